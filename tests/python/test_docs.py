"""The docs tell users what to type: docs/python.md's first test, and the README's pytest example
for sessions, run here as they would run them."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from conftest import REPO
from exchange_um_mock import UmMock, UmMockError


def first_python_example() -> str:
    guide = (REPO / "docs" / "python.md").read_text(encoding="utf-8")
    section = guide.split("## A first test", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "docs/python.md has a python block under 'A first test'"
    return match.group(1)


def test_the_first_example_of_the_guide_is_ten_lines_and_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXUM_URL", raising=False)
    example = first_python_example()
    pytester.makepyfile(test_pin=example)

    result = pytester.runpytest_subprocess()

    assert len(example.splitlines()) == 10
    result.assert_outcomes(passed=1)


def test_the_refused_patch_shown_in_the_guide_says_what_the_server_says(um_mock: UmMock) -> None:
    guide = (REPO / "docs" / "python.md").read_text(encoding="utf-8")
    shown = "pin: PIN '19' has 2 digits; policy 'Default' needs 6 to 24"

    with pytest.raises(UmMockError) as refused:
        um_mock.patch_mailbox("alice@contoso.com", pin="19")

    assert shown in guide
    assert refused.value.status == 400
    assert str(refused.value).endswith("answered 400: the mailbox was not changed: " + shown)


def readme_session_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Parallel tests: sessions", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README.md has a python block under 'Parallel tests: sessions'"
    return match.group(1)


def test_the_readmes_session_example_passes_with_two_workers_on_one_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: one server for both workers, as the README starts it and points pytest at it.
    with UmMock.start() as server:
        monkeypatch.setenv("EXUM_URL", server.url)
        pytester.makepyfile(test_reset=readme_session_example())

        # Act
        result = pytester.runpytest_subprocess("-n", "2")

        # Assert: both tests passed, each in a session of its own that ended with it; the root
        # double saw none of their requests.
        result.assert_outcomes(passed=2)
        with urllib.request.urlopen(server.url + "/__admin/sessions", timeout=10) as answer:
            assert json.load(answer)["total"] == 0
        assert server.emails() == []
        assert server.requests() == []
