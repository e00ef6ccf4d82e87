"""The one error type of the package."""

from __future__ import annotations

from typing import List, Optional


class UmMockError(Exception):
    """The double refused an admin call, could not be reached, or did not start.

    ``status`` is the HTTP status of a refused call (``None`` when there was no answer: the
    binary exited before it was ready, or the server could not be reached); ``str(e)`` carries
    the server's ``error`` text, or the binary's stderr. ``problems`` lists every problem when
    the server gave them one by one (a refused PATCH, scenario or fixture reload).
    """

    def __init__(self, message: str, status: Optional[int] = None, problems: Optional[List[str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.problems: List[str] = list(problems or [])
