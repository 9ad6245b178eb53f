"""Fault injection and call counting for the fake Salesforce. No I/O (hangs sleep a thread).

A test schedules faults on ``fake.faults``; each applies to the next N matching requests (any
route, or one route template such as ``"/query"``, ``"/query/<locator>"``,
``"/composite/sobjects"``, ``"/jobs/ingest/<id>"``, ``"/services/oauth2/token"``):

* :meth:`Faults.fail_next` — 503 ``SERVER_UNAVAILABLE``, 500 ``UNKNOWN_EXCEPTION`` (or any status);
* :meth:`Faults.expire_next` — 401 ``INVALID_SESSION_ID`` ("Session expired or invalid");
* :meth:`Faults.limit_next` — 403 ``REQUEST_LIMIT_EXCEEDED``, "TotalRequests Limit exceeded."
  (daily) or "ConcurrentPerOrgLongTxn Limit exceeded." (concurrent long-running requests);
* :meth:`Faults.hang_next` — the response is delayed by S seconds (a client read timeout), then
  the request is processed normally: a write the client gave up on still happens, as on a real org;
* :meth:`Faults.lock_rows` — the given record ids answer ``UNABLE_TO_LOCK_ROW`` M times in
  collection and bulk results (also when they are the parent of a record being created);
* :meth:`Faults.expire_tokens` — every token issued so far is invalid from now on.

Status codes and texts follow "Status Codes and Error Responses" (REST API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm) and what
real orgs send: "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."
(SalesforceLabs/OrgCheck#181),
"ConcurrentPerOrgLongTxn Limit exceeded." (mautic/mautic#5006).

:class:`CallLog` counts requests per ``(method, route template)``: ``fake.calls["GET", "/query"]``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .state import Org

__all__ = ["CallLog", "Fault", "Faults"]

DAILY_LIMIT_MESSAGE = "TotalRequests Limit exceeded."
CONCURRENT_LIMIT_MESSAGE = "ConcurrentPerOrgLongTxn Limit exceeded."
_BODIES = {
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support: "
        "1234567890-12345 (-1234567890)",
    ),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later."),
}


@dataclass
class Fault:
    """One scheduled fault: what to answer, to which route, how many more times."""

    kind: str  # fail, expire, limit, hang
    remaining: int
    route: str | None = None
    method: str | None = None
    status: int = 503
    seconds: float = 0.0
    message: str = ""

    def matches(self, method: str, route: str) -> bool:
        return (self.route is None or self.route == route) and (
            self.method is None or self.method.upper() == method
        )

    def response(self) -> tuple[int, list[dict[str, Any]]]:
        """``(status, body)`` of a failing fault."""
        if self.kind == "expire":
            return 401, [
                {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
            ]
        if self.kind == "limit":
            return 403, [{"message": self.message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        code, message = _BODIES.get(self.status, ("UNKNOWN_EXCEPTION", f"HTTP {self.status}"))
        return self.status, [{"message": message, "errorCode": code}]


class Faults:
    """The faults a test scheduled; consumed in the order they were added."""

    def __init__(self, org: Org) -> None:
        self._org = org
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self.release = threading.Event()  # set on server stop so hanging requests end at once

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._queue.append(fault)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        route: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``count`` matching requests answer ``status`` (503 ``SERVER_UNAVAILABLE``,
        500 ``UNKNOWN_EXCEPTION``, others a generic body)."""
        self._add(Fault("fail", count, route, method, status=status))

    def expire_next(
        self, count: int = 1, *, route: str | None = None, method: str | None = None
    ) -> None:
        """The next ``count`` matching requests answer 401 ``INVALID_SESSION_ID``."""
        self._add(Fault("expire", count, route, method))

    def limit_next(
        self,
        count: int = 1,
        *,
        kind: str = "daily",
        route: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``count`` matching requests answer 403 ``REQUEST_LIMIT_EXCEEDED``;
        ``kind`` is ``"daily"`` or ``"concurrent"``."""
        if kind not in ("daily", "concurrent"):
            raise ValueError(f"kind must be 'daily' or 'concurrent', not {kind!r}")
        message = DAILY_LIMIT_MESSAGE if kind == "daily" else CONCURRENT_LIMIT_MESSAGE
        self._add(Fault("limit", count, route, method, message=message))

    def hang_next(
        self,
        count: int = 1,
        *,
        seconds: float,
        route: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``count`` matching requests wait ``seconds`` before being processed."""
        self._add(Fault("hang", count, route, method, seconds=seconds))

    def lock_rows(self, locks: dict[str, int]) -> None:
        """Each id answers ``UNABLE_TO_LOCK_ROW`` that many times in save results."""
        with self._org.lock:
            for record_id, times in locks.items():
                self._org.row_locks[record_id] = self._org.row_locks.get(record_id, 0) + times

    def expire_tokens(self) -> None:
        """Every token issued so far answers 401 ``INVALID_SESSION_ID`` (issue a new one with
        ``fake.state.issue_token()`` or the OAuth endpoint)."""
        self._org.expire_tokens()

    def clear(self) -> None:
        """Drop every scheduled fault and row lock."""
        with self._lock:
            self._queue.clear()
        with self._org.lock:
            self._org.row_locks.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._queue if f.remaining > 0]

    def take(self, method: str, route: str) -> list[Fault]:
        """The faults that apply to this request (at most one hang and one failure), consumed."""
        taken: list[Fault] = []
        with self._lock:
            for kinds in (("hang",), ("fail", "expire", "limit")):
                fault = next(
                    (
                        f
                        for f in self._queue
                        if f.kind in kinds and f.remaining > 0 and f.matches(method, route)
                    ),
                    None,
                )
                if fault is not None:
                    fault.remaining -= 1
                    taken.append(fault)
            self._queue = [f for f in self._queue if f.remaining > 0]
        return taken


class CallLog:
    """Requests per ``(method, route template)``, thread-safe; also the ordered list of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self.log: list[tuple[str, str, int]] = []  # (method, route, response status)

    def record(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self._counts[(method, route)] += 1
            self.log.append((method, route, status))

    def __getitem__(self, key: tuple[str, str]) -> int:
        with self._lock:
            return self._counts[key]

    def count(self, route: str | None = None, method: str | None = None) -> int:
        """Requests to ``route`` (any when ``None``) with ``method`` (any when ``None``)."""
        with self._lock:
            return sum(
                n
                for (m, r), n in self._counts.items()
                if (route is None or r == route) and (method is None or m == method.upper())
            )

    @property
    def total(self) -> int:
        return self.count()

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self.log.clear()
