"""The plugin's own server: one per pytest process, a clean double per test (a session of its
own), ``--um-mock-fixtures``, and a server without sessions (reset instead); run in inner pytest
sessions that load it as a user's suite does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Tuple

import pytest

from conftest import installed_binary, processes_running

RESET_THEN_CHECK = """
import base64, pathlib, urllib.request

def reset(url):
    body = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/>'
            '</s:Body></s:Envelope>').encode()
    auth = base64.b64encode(b"alice@contoso.com:pw").decode()
    urllib.request.urlopen(urllib.request.Request(url, data=body, headers={
        "Content-Type": "text/xml", "Authorization": "Basic " + auth}), timeout=10).close()

def test_a_changes_the_double(um_mock):
    reset(um_mock.service_url)
    um_mock.add_scenario("*", "*", [{"fault": "TransientException"}], then="repeat-last")
    assert len(um_mock.emails()) == 1

def test_b_gets_a_clean_double_on_the_same_server(um_mock, um_mock_server):
    assert um_mock.emails() == []
    assert um_mock.requests() == []
    assert um_mock.mailbox("alice@contoso.com")["pin"] == "135790"
    reset(um_mock.service_url)
    assert len(um_mock.emails()) == 1
    # For the outer test, which checks that this server ends with the run.
    pathlib.Path("server.pid").write_text(str(um_mock_server._process.pid))
"""


def test_each_test_gets_a_clean_double_from_one_server(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    pytester.makepyfile(RESET_THEN_CHECK)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)
    server = int((pytester.path / "server.pid").read_text())
    assert server not in processes_running(installed_binary()), "the plugin's server ended with the run"


def test_um_mock_fixtures_chooses_the_fixtures_of_the_started_server(
    pytester: pytest.Pytester, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    pytester.makepyfile(
        """
        def test_the_folders_mailbox_is_served_in_the_tests_session(um_mock, um_mock_server):
            assert um_mock.url.startswith(um_mock_server.url + "/sessions/")
            assert um_mock.mailbox("zoe@fabrikam.com")["extension"] == "7001"
        """
    )

    result = pytester.runpytest_subprocess("--um-mock-fixtures", str(fixtures_dir))

    result.assert_outcomes(passed=1)


def test_the_options_are_listed_in_pytest_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")

    result.stdout.fnmatch_lines(["*--um-mock-url=URL*", "*--um-mock-fixtures=DIR*"])


class NoSessionsStandIn(BaseHTTPRequestHandler):
    """A server from before sessions, as the plugin uses it: no `/__admin/sessions` (404), a
    reset, an empty list of emails. Records every call."""

    calls: List[Tuple[str, str]] = []

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def answer(self, status: int, body: object = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        # The package pages lists with `after_id` and `limit`: the route is the path alone.
        path = self.path.split("?", 1)[0]
        self.calls.append(("GET", path))
        if path == "/__admin/health":
            self.answer(200, {"status": "ok", "version": "stand-in"})
        elif path == "/__admin/emails":
            self.answer(200, {"total": 0, "evicted": 0, "emails": []})
        else:
            self.answer(404, {"error": "not in the stand-in"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append(("POST", self.path))
        if self.path == "/__admin/reset":
            self.answer(204)
        else:
            self.answer(404, {"error": "not in the stand-in"})


def test_um_mock_is_the_server_after_a_reset_where_the_server_has_no_sessions(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    NoSessionsStandIn.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), NoSessionsStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    pytester.makepyfile(
        f"""
        def test_one(um_mock, um_mock_server):
            assert um_mock is um_mock_server
            assert um_mock.url == "{url}" and um_mock.session_id is None
            assert um_mock.emails() == []

        def test_two(um_mock):
            assert um_mock.url == "{url}"
        """
    )

    try:
        result = pytester.runpytest_subprocess("--um-mock-url", url)
    finally:
        server.shutdown()
        server.server_close()

    result.assert_outcomes(passed=2)
    assert NoSessionsStandIn.calls == [
        ("GET", "/__admin/health"),
        ("POST", "/__admin/sessions"),
        ("POST", "/__admin/reset"),
        ("GET", "/__admin/emails"),
        ("POST", "/__admin/sessions"),
        ("POST", "/__admin/reset"),
    ]
