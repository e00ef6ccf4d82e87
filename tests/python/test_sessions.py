"""Sessions, the isolated doubles one server serves under ``/sessions/ID``, from Python:
``UmMock.session()``, and the plugin handing each test a session of one shared server, so
pytest-xdist workers never see each other's mail."""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

import pytest

from conftest import reset_pin
from exchange_um_mock import UmMock, UmMockError

# Run by two xdist workers with `--dist each`: every test runs on both at once, in its own
# session of the one server, and the two meet (a FIFO each opens one end of, which blocks until
# the other end is opened) after sending their emails and again after checking them. So each
# check happens while the other worker's emails are held, and a shared double would be seen.
TWO_WORKERS_AT_ONCE = """
import base64, json, os, urllib.request

import pytest

SERVER = {server!r}
MEETING_PLACE = {meeting_place!r}


def reset_pin(service_url):
    # The app under test: a ResetPIN as alice, posted to the one URL it was given.
    body = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/>'
            '</s:Body></s:Envelope>').encode()
    auth = base64.b64encode(b"alice@contoso.com:any password").decode()
    request = urllib.request.Request(service_url, data=body, headers={{
        "Content-Type": "text/xml; charset=utf-8", "Authorization": "Basic " + auth}})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


def meet(point):
    path = os.path.join(MEETING_PLACE, point)
    try:
        os.mkfifo(path)
    except FileExistsError:
        pass
    end = os.O_RDONLY if os.environ["PYTEST_XDIST_WORKER"] == "gw0" else os.O_WRONLY
    os.close(os.open(path, end))


@pytest.mark.parametrize("resets", [1, 2, 3])
def test_a_test_sees_exactly_its_own_emails(um_mock, resets):
    # The other worker sends 3 more, so an email of its own would show in this count.
    mine = resets if os.environ["PYTEST_XDIST_WORKER"] == "gw0" else resets + 3
    try:
        for _ in range(mine):
            assert reset_pin(um_mock.service_url) == 200
    finally:
        meet(f"{{resets}}-sent")
    try:
        emails = um_mock.emails()
        assert [email["id"] for email in emails] == list(range(1, mine + 1))
        assert [email["to"] for email in emails] == ["alice@contoso.com"] * mine
        assert emails[-1]["pin"] == um_mock.mailbox("alice@contoso.com")["pin"]
        assert len(um_mock.requests(operation="ResetPIN")) == mine
    finally:
        meet(f"{{resets}}-checked")


def test_the_session_is_named_after_the_test(um_mock, request):
    with urllib.request.urlopen(f"{{SERVER}}/__admin/sessions/{{um_mock.session_id}}", timeout=10) as answer:
        entry = json.load(answer)
    assert entry["name"] == request.node.nodeid
    assert um_mock.url == entry["base_url"] == f"{{SERVER}}/sessions/{{um_mock.session_id}}"
"""


def root_sessions(server: UmMock) -> Any:
    with urllib.request.urlopen(server.url + "/__admin/sessions", timeout=10) as answer:
        return json.load(answer)


def test_two_xdist_workers_share_one_server_and_each_test_sees_only_its_own_emails(
    pytester: pytest.Pytester, running: UmMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    meeting_place = pytester.mkdir("meeting-place")
    suite = TWO_WORKERS_AT_ONCE.format(server=running.url, meeting_place=str(meeting_place))
    pytester.makepyfile(test_two_workers=suite)

    # A test that never meets its partner would wait for ever: the timeout turns that into a failure.
    result = pytester.runpytest_subprocess(
        "-p", "xdist", "-n", "2", "--dist", "each", "--um-mock-url", running.url, timeout=120
    )

    result.assert_outcomes(passed=8)
    assert running.emails() == [], "nothing reached the server's own double"
    assert root_sessions(running) == {"total": 0, "sessions": []}, "every test's session ended with it"


def test_a_client_app_pointed_at_a_sessions_service_url_is_seen_in_that_session_only(running: UmMock) -> None:
    with running.session(name="app") as app, running.session(name="bystander") as bystander:
        assert reset_pin(app.service_url) == 200

        email = app.wait_for_email("alice@contoso.com")
        assert email["pin"] == app.mailbox("alice@contoso.com")["pin"] != "135790"
        assert app.service_url == f"{running.url}/sessions/{app.session_id}/EWS/UM2007Legacy.asmx"
        assert bystander.emails() == [] and running.emails() == []
        assert bystander.mailbox("alice@contoso.com")["pin"] == running.mailbox("alice@contoso.com")["pin"] == "135790"
        listed = {entry["name"]: entry for entry in root_sessions(running)["sessions"]}
        assert (listed["app"]["emails"], listed["bystander"]["emails"]) == (1, 0)


def test_leaving_a_sessions_with_block_ends_the_session_and_leaves_the_server(running: UmMock) -> None:
    with running.session() as session:
        assert session.session_id is not None and running.session_id is None
        session_url = session.url

    assert root_sessions(running)["total"] == 0
    with pytest.raises(UmMockError, match="no session") as ended:
        UmMock(session_url, None).emails()
    assert ended.value.status == 404
    session.stop()  # ended already: nothing to do
    assert running.mailbox("alice@contoso.com")["pin"] == "135790"


def test_a_session_starts_from_inline_fixtures_and_its_own_seed(running: UmMock) -> None:
    zoe = {"smtp_address": "zoe@fabrikam.com", "logons": ["FABRIKAM\\zoe"], "um_enabled": True, "extension": "7001"}

    with running.session(fixtures={"mailboxes": [zoe]}) as fabrikam:
        assert fabrikam.mailbox("zoe@fabrikam.com")["extension"] == "7001"
        with pytest.raises(UmMockError) as unknown:
            running.mailbox("zoe@fabrikam.com")
        assert unknown.value.status == 404
    with running.session(seed=7) as one, running.session(seed=7) as two:
        assert reset_pin(one.service_url) == reset_pin(two.service_url) == 200
        assert one.latest_pin("alice@contoso.com") == two.latest_pin("alice@contoso.com")


def test_inline_fixtures_with_problems_are_refused_with_each_problem(running: UmMock) -> None:
    with pytest.raises(UmMockError) as refused:
        running.session(fixtures={"mailboxes": [{"smtp_address": "not an address"}]})

    assert refused.value.status == 400
    assert refused.value.problems, "the server listed the problems"
    assert root_sessions(running)["total"] == 0


def test_a_node_id_longer_than_a_session_name_keeps_its_file_and_its_parameters(
    pytester: pytest.Pytester, running: UmMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    pytester.makepyfile(
        test_long_names=f"""
        import json, urllib.request

        import pytest

        @pytest.mark.parametrize("word", ["long"], ids=["a" * 150 + "-" + "z" * 150])
        def test_parametrized(um_mock, request, word):
            with urllib.request.urlopen("{running.url}/__admin/sessions/" + um_mock.session_id, timeout=10) as answer:
                name = json.load(answer)["name"]
            nodeid = request.node.nodeid
            assert len(nodeid) > 300
            assert len(name) == 256
            assert name.startswith("test_long_names.py::test_parametrized[aaa")
            assert name.endswith("zzz]")
        """
    )

    result = pytester.runpytest_subprocess("--um-mock-url", running.url)

    result.assert_outcomes(passed=1)



def test_a_session_of_an_https_server_is_served_on_its_https_listener_too() -> None:
    with UmMock.start(https=True) as server, server.session() as session:
        assert session.https_url == f"{server.https_url}/sessions/{session.session_id}"
        assert session.ca_pem == server.ca_pem is not None

        trusting = ssl.create_default_context(cadata=session.ca_pem)
        with urllib.request.urlopen(session.https_url + "/__admin/info", context=trusting, timeout=10) as answer:
            assert json.load(answer)["session"]["id"] == session.session_id


def test_a_session_sends_the_admin_token_of_its_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXUM_ADMIN_TOKEN", raising=False)
    with UmMock.start(args=("--admin-token", "s3cret")) as server, server.session() as session:
        assert session.mailbox("alice@contoso.com")["pin"] == "135790"
        with pytest.raises(UmMockError) as refused:
            UmMock(session.url, None).mailbox("alice@contoso.com")
        assert refused.value.status == 401
