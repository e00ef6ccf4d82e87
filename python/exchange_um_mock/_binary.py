"""The ``exchange-um-mock`` binary this package was installed with: finding it, starting it on free
ports and reading its ready lines, and stopping it."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import sysconfig
import tempfile
import time
from typing import IO, List, Optional, Sequence

from ._errors import UmMockError

NAME = "exchange-um-mock"

# How long the binary may take to print its ready lines. It is ready in milliseconds; this only
# bounds a binary that hangs (a full disk, a debugger), so a test fails instead of waiting forever.
_READY_TIMEOUT_S = 60.0

# How long stop() lets the server drain after SIGTERM before it kills it: the binary's own
# drain is at most 5 s.
_STOP_GRACE_S = 5.0

_READY_PREFIX = "listening on "


def find() -> str:
    """The path of the binary installed from the same wheel as this package.

    pip puts a wheel's scripts in the scripts folder of the environment it installs into: this
    Python's (a venv, the system), the one of ``--prefix`` or ``--target`` (next to the package),
    or the user's (``--user``). The first that holds the binary wins; ``PATH`` is never searched,
    so another version installed elsewhere is not picked up by mistake.
    """
    exe = NAME + (sysconfig.get_config_var("EXE") or "")
    package = os.path.dirname(os.path.abspath(__file__))
    site_packages = os.path.dirname(package)
    candidates: List[Optional[str]] = [
        sysconfig.get_path("scripts"),
        # <prefix>/lib/pythonX.Y/site-packages/exchange_um_mock -> <prefix>/bin
        os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(site_packages))), "bin"),
        # pip install --target DIR: DIR/exchange_um_mock and DIR/bin
        os.path.join(site_packages, "bin"),
        sysconfig.get_path("scripts", _user_scheme()),
    ]
    seen: List[str] = []
    for folder in candidates:
        if not folder or folder in seen:
            continue
        seen.append(folder)
        path = os.path.join(folder, exe)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise UmMockError(f"the {NAME} binary of this package was not found in: {', '.join(seen)}")


def _user_scheme() -> str:
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    return "nt_user" if os.name == "nt" else "posix_user"


class Process:
    """A running ``exchange-um-mock serve``: its listener URLs, in the order asked for, and the
    file its stderr goes to (kept for the error of a start that fails)."""

    def __init__(self, popen: "subprocess.Popen[bytes]", urls: List[str], stderr: IO[bytes]) -> None:
        self.popen = popen
        self.urls = urls
        self._stderr = stderr

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        """SIGTERM, a kill if it has not exited within the grace, and the exit reaped."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        self._stderr.close()


def start(args: Sequence[str], listeners: int) -> Process:
    """Runs the binary with ``args`` and waits for its ``listeners`` ready lines.

    Its stderr goes to an unnamed temporary file rather than a pipe: the server never waits on
    a reader, and what it said is still there when it exits before it is ready.
    """
    stderr = tempfile.TemporaryFile()
    try:
        popen = subprocess.Popen(
            [find(), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    except BaseException:
        stderr.close()
        raise
    try:
        urls = _read_ready_lines(popen, listeners, stderr)
    except BaseException:
        process = Process(popen, [], stderr)
        process.stop()
        raise
    return Process(popen, urls, stderr)


def _read_ready_lines(popen: "subprocess.Popen[bytes]", listeners: int, stderr: IO[bytes]) -> List[str]:
    """The URLs of the first ``listeners`` lines ``listening on URL``, or UmMockError with the
    binary's stderr when it exits (or says something else on stdout) first."""
    assert popen.stdout is not None, "stdout is a pipe: Popen was given stdout=PIPE"
    deadline = time.monotonic() + _READY_TIMEOUT_S
    urls: List[str] = []
    buffered = b""
    with selectors.DefaultSelector() as selector:
        selector.register(popen.stdout, selectors.EVENT_READ)
        while len(urls) < listeners:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise UmMockError(f"{NAME} printed no ready line within {_READY_TIMEOUT_S:.0f} s")
            if not selector.select(timeout=remaining):
                continue
            # os.read returns what is there (b"" at end of file) instead of waiting for a full
            # buffer, so the select() above keeps bounding the wait.
            chunk = os.read(popen.stdout.fileno(), 4096)
            if not chunk:
                raise _early_exit(popen, stderr)
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                text = line.decode("utf-8", errors="replace").strip()
                if not text.startswith(_READY_PREFIX):
                    raise UmMockError(f"{NAME} printed {text!r} on stdout instead of its ready line")
                urls.append(text[len(_READY_PREFIX) :])
    return urls


def _early_exit(popen: "subprocess.Popen[bytes]", stderr: IO[bytes]) -> UmMockError:
    """The binary closed its stdout before it was ready: it exited, and its stderr says why."""
    code = popen.wait()
    stderr.seek(0)
    said = stderr.read().decode("utf-8", errors="replace").strip()
    return UmMockError(f"{NAME} exited with code {code} before it was ready:\n{said or '(nothing on stderr)'}")
