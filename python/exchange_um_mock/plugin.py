"""The pytest plugin, registered by the package's ``pytest11`` entry point.

- ``um_mock_server`` (one per pytest process): the double this package starts, or, with
  ``--um-mock-url URL`` or ``EXUM_URL`` (the option wins), a server that already runs.
- ``um_mock`` (one per test): a clean double. On a server that offers sessions, a session of
  its own, ended when the test ends, so tests run in parallel (pytest-xdist) against one
  server; otherwise the server itself after ``reset()``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, Optional

import pytest

from ._errors import UmMockError
from ._mock import UmMock


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("exchange-um-mock", "exchange-um-mock, the Exchange UM test double")
    group.addoption(
        "--um-mock-url",
        metavar="URL",
        default=None,
        help="use the exchange-um-mock that runs at URL instead of starting one (default: $EXUM_URL)",
    )
    group.addoption(
        "--um-mock-fixtures",
        metavar="DIR",
        default=None,
        help="the fixtures folder of the exchange-um-mock the plugin starts (default: the built-in set)",
    )


@pytest.fixture(scope="session")
def um_mock_server(request: pytest.FixtureRequest) -> Iterator[UmMock]:
    """The double of this pytest process: attached to ``--um-mock-url`` / ``EXUM_URL`` when
    given, else started from this package's binary and stopped at the end of the run."""
    url: Optional[str] = request.config.getoption("um_mock_url") or os.environ.get("EXUM_URL") or None
    if url:
        yield UmMock.attach(url)
        return
    with UmMock.start(fixtures=request.config.getoption("um_mock_fixtures")) as server:
        yield server


@pytest.fixture
def um_mock(um_mock_server: UmMock, request: pytest.FixtureRequest) -> Iterator[UmMock]:
    """A clean double for one test: its own session when the server has sessions, else the
    server after ``reset()``."""
    session = _new_session(um_mock_server, request.node.nodeid)
    if session is None:
        um_mock_server.reset()
        yield um_mock_server
        return
    try:
        yield UmMock(session["base_url"], um_mock_server._admin.admin_token)
    finally:
        _end_session(um_mock_server, session["id"])


def _new_session(server: UmMock, name: str) -> Optional[Dict[str, Any]]:
    """``POST /__admin/sessions`` named after the test; None when the server has no sessions
    (a version without them answers 404 for the path, or 405)."""
    try:
        session: Dict[str, Any] = server._admin.call("POST", "/sessions", body={"name": name})
    except UmMockError as refused:
        if refused.status in (404, 405):
            return None
        raise
    return session


def _end_session(server: UmMock, session_id: str) -> None:
    try:
        server._admin.call("DELETE", f"/sessions/{session_id}")
    except UmMockError as refused:
        # Ended already (idle expiry, or the test deleted it): nothing is left to clean up.
        if refused.status != 404:
            raise
