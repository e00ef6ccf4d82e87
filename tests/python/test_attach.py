"""``UmMock.attach``, and the plugin attaching to a server that runs already (``--um-mock-url``,
``EXUM_URL``), checked in inner pytest runs that load the plugin as a user's suite does."""

from __future__ import annotations

import pytest

from conftest import reset_pin
from exchange_um_mock import UmMock, UmMockError

INNER_TEST = """
def test_the_plugin_attached(um_mock_server, um_mock):
    assert um_mock_server.url == {url!r}
    assert um_mock.url.startswith({url!r})
    assert um_mock.emails() == []
"""


def test_attach_drives_a_server_that_runs_already(running: UmMock) -> None:
    attached = UmMock.attach(running.url)
    assert reset_pin(running.service_url) == 200

    assert attached.url == running.url
    assert attached.latest_pin("alice@contoso.com") == running.mailbox("alice@contoso.com")["pin"]
    attached.stop()  # leaves a server it did not start running
    assert running.mailbox("alice@contoso.com")["smtp_address"] == "alice@contoso.com"


def test_attach_to_nothing_raises_um_mock_error_without_a_status() -> None:
    with pytest.raises(UmMockError, match="could not be reached") as refused:
        UmMock.attach("http://127.0.0.1:9")

    assert refused.value.status is None


def test_attach_sends_exum_admin_token_when_no_token_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXUM_ADMIN_TOKEN", raising=False)
    with UmMock.start(args=("--admin-token", "t0ken")) as server:
        with pytest.raises(UmMockError) as refused:
            UmMock.attach(server.url)
        assert refused.value.status == 401

        monkeypatch.setenv("EXUM_ADMIN_TOKEN", "t0ken")
        assert UmMock.attach(server.url).mailbox("alice@contoso.com")["pin"] == "135790"


def test_the_plugin_attaches_to_um_mock_url(pytester: pytest.Pytester, running: UmMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    pytester.makepyfile(INNER_TEST.format(url=running.url))

    result = pytester.runpytest_subprocess("--um-mock-url", running.url)

    result.assert_outcomes(passed=1)


def test_the_plugin_attaches_to_exum_url(pytester: pytest.Pytester, running: UmMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXUM_URL", running.url)
    pytester.makepyfile(INNER_TEST.format(url=running.url))

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_um_mock_url_wins_over_exum_url(pytester: pytest.Pytester, running: UmMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXUM_URL", "http://127.0.0.1:9")
    pytester.makepyfile(INNER_TEST.format(url=running.url))

    result = pytester.runpytest_subprocess("--um-mock-url", running.url)

    result.assert_outcomes(passed=1)


def test_an_exum_url_nobody_answers_fails_the_tests_with_the_reason(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXUM_URL", "http://127.0.0.1:9")
    pytester.makepyfile(INNER_TEST.format(url="http://127.0.0.1:9"))

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UmMockError*http://127.0.0.1:9/__admin/health*could not be reached*"])
