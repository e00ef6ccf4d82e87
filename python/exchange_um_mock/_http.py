"""The admin API over HTTP, with urllib only: one request, its JSON answer, or a UmMockError."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Mapping, Optional

from ._errors import UmMockError

# How long any admin call may take beyond the time the server was asked to wait (wait_ms): the
# double answers in milliseconds, so only a hung or unreachable server gets near it.
_SLACK_S = 30.0

# The double is local, or a container CI reaches directly: a proxy from the environment
# (http_proxy) would only send 127.0.0.1 traffic astray, so no proxy is ever used.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def admin_token_from(admin_token: Optional[str]) -> Optional[str]:
    """The token given, else ``EXUM_ADMIN_TOKEN`` when set (the variable the binary reads too)."""
    if admin_token is not None:
        return admin_token
    return os.environ.get("EXUM_ADMIN_TOKEN") or None


class AdminClient:
    """Requests under one base URL (the server's or a session's), sending the admin token."""

    def __init__(self, base_url: str, admin_token: Optional[str]) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token

    def call(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, Any]] = None,
        body: Optional[Any] = None,
        wait_s: float = 0.0,
    ) -> Any:
        """``METHOD base_url + path``: the decoded JSON answer (text for a non-JSON one, None for
        204), or UmMockError with the status and the server's ``error`` text."""
        url = self.base_url + path
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.admin_token:
            request.add_header("Authorization", f"Bearer {self.admin_token}")
        try:
            with _OPENER.open(request, timeout=wait_s + _SLACK_S) as response:
                return _decode(response.status, response.headers.get_content_type(), response.read())
        except urllib.error.HTTPError as refused:
            raise _refusal(method, url, refused) from None
        except (urllib.error.URLError, OSError) as unreachable:
            reason = getattr(unreachable, "reason", unreachable)
            raise UmMockError(f"{method} {url}: exchange-um-mock could not be reached: {reason}") from unreachable


def _decode(status: int, content_type: str, raw: bytes) -> Any:
    if status == 204 or not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if content_type == "application/json":
        return json.loads(text)
    return text


def _refusal(method: str, url: str, refused: urllib.error.HTTPError) -> UmMockError:
    """The server's own words: ``{"error": "…", "problems": […]}``, else the reason header or
    the status line (a 404 under an unknown path has no JSON body)."""
    raw = refused.read()
    error: Optional[str] = None
    problems = None
    try:
        answer: Dict[str, Any] = json.loads(raw.decode("utf-8"))
        if isinstance(answer, dict):
            error = answer.get("error")
            problems = answer.get("problems")
    except ValueError:
        pass
    if not error:
        error = refused.headers.get("X-Exum-Reason") or refused.reason or "refused"
    return UmMockError(f"{method} {url} answered {refused.code}: {error}", status=refused.code, problems=problems)
