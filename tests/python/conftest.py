"""Shared by the Python package's suite: where the repo is, what the crate says, who runs the
binary, and a raw ResetPIN for tests that need no SOAP client.

The package under test is the one installed from the wheel into this venv (tests/python/run.sh);
``test_the_package_and_binary_come_from_the_installed_wheel`` checks that.
"""

from __future__ import annotations

import base64
import os
import re
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from exchange_um_mock import UmMock

# pytester runs inner pytest sessions in subprocesses: the plugin is exercised exactly as a user's
# suite loads it, through the installed entry point.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
NS = "http://schemas.microsoft.com/exchange/services/2006/messages"


def crate_version() -> str:
    manifest = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"', manifest, re.MULTILINE)
    assert match, "Cargo.toml has a version line"
    return match.group(1)


def installed_binary() -> str:
    return os.path.join(sysconfig.get_path("scripts"), "exchange-um-mock")


def processes_running(binary: str, parent: Optional[int] = None) -> List[int]:
    """The pids whose executable is ``binary`` (a /proc scan, no psutil); with ``parent``, only
    its children, so the servers of another xdist worker, started meanwhile, are not counted."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") != binary:
                continue
            if parent is None or _parent_of(entry) == parent:
                pids.append(int(entry))
        except OSError:
            continue  # exited meanwhile, or not ours to read
    return pids


def _parent_of(pid: str) -> int:
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    raise OSError(f"/proc/{pid}/status has no PPid line")


def servers_started_here() -> List[int]:
    """The pids of the servers this process started (its children running the installed binary)."""
    return processes_running(installed_binary(), parent=os.getpid())


def reset_pin(service_url: str, user: str = "alice@contoso.com") -> int:
    """A ResetPIN as ``user`` with Basic credentials; the HTTP status."""
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<ResetPIN xmlns="{NS}"/></s:Body></s:Envelope>'
    ).encode()
    credentials = base64.b64encode(f"{user}:any password".encode()).decode()
    request = urllib.request.Request(
        service_url,
        data=envelope,
        headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": f"Basic {credentials}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.fixture
def running() -> Iterator[UmMock]:
    """A server started outside the plugin, as a container of the CI job would be."""
    with UmMock.start() as server:
        yield server


@pytest.fixture
def fixtures_dir(tmp_path: Path) -> Path:
    """A fixtures folder with one mailbox the built-in set does not have."""
    (tmp_path / "mock.json").write_text(
        '{"mailboxes": [{"smtp_address": "zoe@fabrikam.com", "logons": ["FABRIKAM\\\\zoe"],'
        ' "um_enabled": true, "extension": "7001", "pin": "918273"}]}',
        encoding="utf-8",
    )
    return tmp_path
