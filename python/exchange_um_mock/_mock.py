"""``UmMock``: one double — a server this package started, one that already runs, or a session of
one — and the helpers over its admin API, named as the Rust library names them."""

from __future__ import annotations

import math
import os
import time
import urllib.parse
import weakref
from typing import Any, Dict, Iterable, List, Optional, Sequence, Type, Union, cast

from . import _binary
from ._errors import UmMockError
from ._http import AdminClient, admin_token_from

Json = Dict[str, Any]

SERVICE_PATH = "/EWS/UM2007Legacy.asmx"

# The admin API waits at most this long in one long-poll (wait_ms); longer waits are several.
_MAX_WAIT_MS = 60_000
# The largest page the server sends (`limit`).
_PAGE = 10_000


class UmMock:
    """A running exchange-um-mock and the helpers of its admin API.

    Get one with ``UmMock.start()`` (the binary of this package, on a free port; a context
    manager that stops it) or ``UmMock.attach(url)`` (a server that already runs). A call the
    server refuses raises ``UmMockError`` with its status and the server's reason.

    >>> with UmMock.start(seed=7) as um:                          # doctest: +SKIP
    ...     client = zeep.Client(um.service_url + "?wsdl", ...)   # your app, pointed at the double
    ...     pin = um.latest_pin("alice@contoso.com")

    ``um.session()`` gives a ``UmMock`` bound to a session of the server: an isolated double
    under ``url/sessions/ID`` that ends when its ``with`` block is left.
    """

    def __init__(
        self,
        url: str,
        admin_token: Optional[str],
        process: Optional[_binary.Process] = None,
        https_url: Optional[str] = None,
    ) -> None:
        """Use ``start()``, ``attach()`` or ``session()``; this binds a handle to a URL without
        checking it."""
        self._url = url.rstrip("/")
        self._https_url = https_url
        self._admin = AdminClient(self._url + "/__admin", admin_token)
        # The server's own admin API, where sessions are made and ended: this handle's, unless
        # the handle is bound to a session (then session() sets it to the server's).
        self._server_admin = self._admin
        self._session_id: Optional[str] = None
        self._process = process
        self._ca_pem: Optional[str] = None
        # Stops a started server even when nobody calls stop() (the handle is collected, or the
        # interpreter exits), so no test run leaves a server behind. Holds the process, not self.
        self._finalizer = weakref.finalize(self, process.stop) if process is not None else None

    # -- getting one ---------------------------------------------------------------------------

    @classmethod
    def start(
        cls: Type["UmMock"],
        fixtures: Union[str, "os.PathLike[str]", None] = None,
        seed: Optional[int] = None,
        https: bool = False,
        args: Sequence[str] = (),
    ) -> "UmMock":
        """Runs this package's ``exchange-um-mock serve`` on a free port of 127.0.0.1 and returns
        once it is ready. ``fixtures`` is a fixtures folder (default: the built-in set), ``seed``
        makes the PINs repeatable, ``https`` adds an HTTPS listener with a generated certificate
        (``https_url``, ``ca_pem``; ``url`` stays the HTTP one), ``args`` are more flags.

        A binary that exits before it is ready raises ``UmMockError`` (``status`` None) with
        what it printed on stderr."""
        command: List[str] = ["serve", "--listen", "http://127.0.0.1:0"]
        if https:
            command += ["--listen", "https://127.0.0.1:0"]
        if fixtures is not None:
            command += ["--fixtures", os.fspath(fixtures)]
        if seed is not None:
            command += ["--seed", str(seed)]
        command += list(args)
        process = _binary.start(command, listeners=2 if https else 1)
        um = cls(
            process.urls[0],
            _admin_token_in(args) or admin_token_from(None),
            process=process,
            https_url=process.urls[1] if https else None,
        )
        if https:
            try:
                um._ca_pem = um._admin.call("GET", "/ca.pem")
            except BaseException:
                um.stop()
                raise
        return um

    @classmethod
    def attach(cls: Type["UmMock"], url: str, admin_token: Optional[str] = None) -> "UmMock":
        """A handle on a server that already runs (a container, a service of the CI job), after
        checking that it answers. ``admin_token`` defaults to ``EXUM_ADMIN_TOKEN``. ``stop()``
        leaves that server running."""
        um = cls(url, admin_token_from(admin_token))
        um._admin.call("GET", "/health")
        return um

    def session(
        self,
        name: Optional[str] = None,
        seed: Optional[int] = None,
        fixtures: Optional[Json] = None,
    ) -> "UmMock":
        """A new session of this server (``POST /__admin/sessions``): a ``UmMock`` bound to it,
        whose ``url`` is the session's ``base_url`` (``…/sessions/ID``). It is a whole double of
        its own: mailboxes, scenarios, emails, journal, clock and PIN generator, none shared with
        the server or other sessions, so tests running in parallel each take one. Its ``stop()``
        (and leaving its ``with`` block) ends the session and leaves the server running.

        ``name`` labels it in the server's session list and web inbox (at most 256 characters);
        ``seed`` makes its PINs repeatable (default: the server's ``--seed``); ``fixtures`` is a
        ``mock.json`` object (a dict) to start from instead of the server's fixtures, checked as
        ``exchange-um-mock validate`` checks a folder (a refusal lists each problem in
        ``.problems``). A server without sessions refuses with ``status`` 404; one that has
        ``--max-sessions`` running already with 409."""
        ask = {"name": name, "seed": seed, "fixtures": fixtures}
        body = {key: value for key, value in ask.items() if value is not None}
        entry = _object(self._server_admin.call("POST", "/sessions", body=body))
        prefix = "/sessions/" + entry["id"]
        um = type(self)(
            entry["base_url"],
            self._server_admin.admin_token,
            https_url=None if self._https_url is None else self._https_url + prefix,
        )
        um._server_admin = self._server_admin
        um._session_id = entry["id"]
        um._ca_pem = self._ca_pem
        return um

    # -- where it is ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (or a session's ``…/sessions/ID``)."""
        return self._url

    @property
    def session_id(self) -> Optional[str]:
        """The id of the session this handle is bound to (``session()``), else None."""
        return self._session_id

    @property
    def service_url(self) -> str:
        """The UM web service endpoint: ``url`` + ``/EWS/UM2007Legacy.asmx``."""
        return self._url + SERVICE_PATH

    @property
    def https_url(self) -> Optional[str]:
        """The HTTPS listener of a server started with ``https=True``, else None."""
        return self._https_url

    @property
    def ca_pem(self) -> Optional[str]:
        """The PEM of the CA that signed the HTTPS listener's certificate, for clients to trust
        (``ssl.create_default_context(cadata=um.ca_pem)``); None without HTTPS."""
        return self._ca_pem

    # -- captured emails -----------------------------------------------------------------------

    def emails(self, to: Optional[str] = None, mailbox: Optional[str] = None) -> List[Json]:
        """The captured PIN emails, oldest first, filtered by recipient and mailbox: all of them,
        fetched a page at a time."""
        return self._every("/emails", "emails", {"to": to, "mailbox": mailbox})

    def wait_for_email(self, to: str, timeout: float = 5.0) -> Json:
        """The oldest email to ``to``, waiting until one exists; the built-in ``TimeoutError``
        after ``timeout`` seconds. The server is long-polled (``wait_ms``), so the email is seen as
        soon as it is captured, without polling."""
        found = self._wait_for_emails(to, timeout, {"limit": 1})
        return found[0]

    def latest_pin(self, to: str, timeout: float = 5.0) -> str:
        """The PIN in the newest email to ``to``, waiting (as ``wait_for_email``) until one
        exists."""
        self._wait_for_emails(to, timeout, {"limit": 1})
        pin: str = _object(self._admin.call("GET", "/emails/latest", {"to": to}))["pin"]
        return pin

    def _wait_for_emails(self, to: str, timeout: float, query: Json) -> List[Json]:
        deadline = time.monotonic() + timeout
        while True:
            remaining_ms = max(0, math.ceil((deadline - time.monotonic()) * 1000))
            wait_ms = min(remaining_ms, _MAX_WAIT_MS)
            found = _items(
                self._admin.call("GET", "/emails", {"to": to, "wait_ms": wait_ms, **query}, wait_s=wait_ms / 1000),
                "emails",
            )
            if found:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no email to {to} arrived within {timeout:g} s")

    # -- the journal, mailboxes, scenarios -----------------------------------------------------

    def requests(self, operation: Optional[str] = None, mailbox: Optional[str] = None) -> List[Json]:
        """The journal: every request the double answered, oldest first, with its outcome and
        the reason for it."""
        return self._every("/requests", "requests", {"operation": operation, "mailbox": mailbox})

    def _every(self, path: str, key: str, query: Json) -> List[Json]:
        """Every item of a list the server sends in pages (1,000 by default), following
        ``after_id`` from page to page."""
        items: List[Json] = []
        while True:
            after = {"after_id": items[-1]["id"]} if items else {}
            page = _items(self._admin.call("GET", path, {**query, **after, "limit": _PAGE}), key)
            items.extend(page)
            if len(page) < _PAGE:
                return items

    def mailbox(self, address: str) -> Json:
        """One mailbox's state (PIN, history, lockout, properties); UmMockError 404 if unknown."""
        return _object(self._admin.call("GET", f"/mailboxes/{_segment(address)}"))

    def patch_mailbox(self, address: str, **changes: Any) -> Json:
        """Changes a mailbox at run time with the checks the fixtures get
        (``patch_mailbox("bob@contoso.com", um_enabled=True, pin="13579")``); the new state."""
        return _object(self._admin.call("PATCH", f"/mailboxes/{_segment(address)}", body=changes))

    def add_scenario(self, mailbox: str, operation: str, outcomes: Iterable[Any], then: str = "default") -> Json:
        """Scripts the answers for ``mailbox`` (or ``"*"``) and ``operation`` (or ``"*"``): one
        outcome per matching request, then ``then`` (``"default"``, ``"repeat-last"``,
        ``"cycle"``). Returns the stored scenario with its ``id``."""
        body = {"mailbox": mailbox, "operation": operation, "outcomes": list(outcomes), "then": then}
        return _object(self._admin.call("POST", "/scenarios", body=body))

    # -- the phone and the clock ---------------------------------------------------------------

    def phone_logon(self, address: str, pin: str) -> Json:
        """A phone (Outlook Voice Access) logon with ``pin``: ``result``, ``failed_logons``,
        ``locked_out``, ``pin_reset``."""
        return _object(self._admin.call("POST", f"/mailboxes/{_segment(address)}/logon", body={"pin": pin}))

    def advance_clock(self, seconds: float) -> Json:
        """Moves the double's clock forward (PIN expiry, lockout windows); the clock's state."""
        return _object(self._admin.call("POST", "/clock", body={"advance_ms": round(seconds * 1000)}))

    # -- state and life ------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the fixtures as loaded (a session: as it started): mailboxes, scenarios,
        emails, journal, clock."""
        self._admin.call("POST", "/reset")

    def stop(self) -> None:
        """Stops a server this handle started: SIGTERM, a kill after 5 s, and returns once the
        process has exited and been reaped. Ends the session of a handle from ``session()``
        (one that ended already, by idle expiry or a ``DELETE``, is fine). Does nothing to an
        attached server."""
        if self._finalizer is not None:
            self._finalizer()
        elif self._session_id is not None:
            try:
                self._server_admin.call("DELETE", f"/sessions/{self._session_id}")
            except UmMockError as refused:
                if refused.status != 404:
                    raise

    def __enter__(self) -> "UmMock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        started = f", pid={self._process.pid}" if self._process is not None else ""
        session = f", session_id={self._session_id!r}" if self._session_id is not None else ""
        return f"UmMock(url={self._url!r}{started}{session})"


def _object(answer: Any) -> Json:
    if not isinstance(answer, dict):
        raise UmMockError(f"the server answered {answer!r:.200} where a JSON object belongs")
    return answer


def _items(answer: Any, key: str) -> List[Json]:
    return cast(List[Json], _object(answer)[key])


def _segment(address: str) -> str:
    return urllib.parse.quote(address, safe="@")


def _admin_token_in(args: Sequence[str]) -> Optional[str]:
    """The ``--admin-token`` among extra flags, so the handle sends the token the server wants."""
    for i, arg in enumerate(args):
        if arg == "--admin-token" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--admin-token="):
            return arg.split("=", 1)[1]
    return None


__all__ = ["UmMock", "UmMockError"]
