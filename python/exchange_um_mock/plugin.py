"""The pytest plugin, registered by the package's ``pytest11`` entry point.

- ``um_mock_server`` (one per pytest process): the double this package starts, or, with
  ``--um-mock-url URL`` or ``EXUM_URL`` (the option wins), a server that already runs.
- ``um_mock`` (one per test): a clean double. On a server that offers sessions, a session of
  its own named after the test, ended when the test ends, so tests run in parallel
  (pytest-xdist) against one server; otherwise the server itself after ``reset()``.
"""

from __future__ import annotations

import os
from typing import Iterator, Optional

import pytest

from ._errors import UmMockError
from ._mock import UmMock

# The longest session name the server takes (it answers 400 past it), in characters.
_MAX_SESSION_NAME = 256


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
    """A clean double for one test: its own session when the server has sessions (named after
    the test's node id, ended when the test ends), else the server after ``reset()``."""
    session = _new_session(um_mock_server, _session_name(request.node.nodeid))
    if session is None:
        um_mock_server.reset()
        yield um_mock_server
        return
    with session:
        yield session


def _session_name(nodeid: str) -> str:
    """The node id, or for one longer than the server takes its start (the file) and its end
    (the test and its parameters, which tell tests apart) around an ellipsis."""
    if len(nodeid) <= _MAX_SESSION_NAME:
        return nodeid
    head = (_MAX_SESSION_NAME - 1) // 2
    tail = _MAX_SESSION_NAME - 1 - head
    return nodeid[:head] + "…" + nodeid[-tail:]


def _new_session(server: UmMock, name: str) -> Optional[UmMock]:
    """A session of ``server``; None when the server has no sessions (a version without them
    answers 404 for the path, or 405)."""
    try:
        return server.session(name=name)
    except UmMockError as refused:
        if refused.status in (404, 405):
            return None
        raise
