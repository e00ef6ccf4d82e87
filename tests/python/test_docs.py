"""docs/python.md tells users what to type: its first test runs here as they would run it."""

from __future__ import annotations

import re

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
