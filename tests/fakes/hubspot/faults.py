"""Fault injection and call counting for the fake HubSpot portal. No I/O (hangs block a thread).

A test schedules faults on ``fake.faults``; each applies to the next N matching requests — any
route, or the route templates that :class:`CallLog` records (``"/crm/v3/objects/companies"``,
``"/crm/v3/objects/tasks/batch/create"``, ``"/crm/v4/associations/deals/companies/batch/read"``;
shell wildcards allowed: ``"/crm/v3/objects/*/search"``):

* :meth:`Faults.fail_next` — a 5xx (default 503) before the request is processed. The JSON body
  follows HubSpot's error shape (``status``, ``message``, ``correlationId``); a ``str`` body is
  sent as ``text/html``, as the CDN in front of HubSpot answers some 502/504s;
* :meth:`Faults.lose_answer_next` — the request is processed (a batch create creates), then
  the answer is a 5xx: what a client sees when the answer is lost on the way back;
* :meth:`Faults.hang_next` — the response is delayed by S seconds (a client read timeout), then
  the request is processed normally: a write the client gave up on still happens;
* :meth:`Faults.lock_next` — 423 Locked, and :meth:`Faults.migrate_next` — 477 Migration in
  Progress with ``Retry-After`` ("Error handling",
  https://developers.hubspot.com/docs/api-reference/error-handling: "Locks will last for 2
  seconds, so if you receive a 423 error, you should include a delay of at least 2 seconds
  between your API requests"; for 477 "HubSpot will return a Retry-After response header
  indicating how many seconds to wait before retrying the request (typically up to 24 hours)").
  Neither page shows a body; the fake sends the common error shape (``status``, ``message``,
  ``correlationId``, ``category``) with the page's wording — an assumption. The request is not
  processed;
* :meth:`Faults.rate_limit_next` — a 429 with the body of the chosen policy
  (``TEN_SECONDLY_ROLLING``, ``SECONDLY``, ``DAILY``; :mod:`.limits`), with ``Retry-After`` when
  asked ("Retry-After" is sent on some 429s: docs/dev/hubspot-spec.md);
* :meth:`Faults.reject_ids` — chosen records fail inside a batch write with a per-record error,
  so the batch answers 207 Multi-Status ("Error handling",
  https://developers.hubspot.com/docs/api-reference/error-handling). The key is a record id
  (batch update), or an input's ``objectWriteTraceId`` or ``kam_task_key`` (batch create).

Injected failures are not counted against the rate limits. :class:`CallLog` counts every request
per ``(method, route template)``: ``fake.calls["POST", "/crm/v3/objects/companies/batch/update"]``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from http import HTTPStatus
from typing import Any

from .limits import DAILY, SECONDLY, TEN_SECONDLY

__all__ = ["CallLog", "Fault", "Faults"]


def _route_matches(pattern: str | None, route: str) -> bool:
    return pattern is None or pattern == route or fnmatchcase(route, pattern)


@dataclass
class Fault:
    """One scheduled fault: what to answer, to which route, how many more times."""

    kind: str  # fail, hang, limit, lose
    remaining: int
    route: str | None = None
    method: str | None = None
    status: int = 503
    seconds: float = 0.0
    policy: str = TEN_SECONDLY
    retry_after: int | None = None
    body: str | dict[str, Any] | None = None

    def matches(self, method: str, route: str) -> bool:
        return _route_matches(self.route, route) and (
            self.method is None or self.method.upper() == method
        )

    def failure_body(self, correlation_id: str) -> str | dict[str, Any]:
        """The body of a ``fail`` fault."""
        if isinstance(self.body, dict):
            return {**self.body, "correlationId": correlation_id}
        if self.body is not None:
            return self.body
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = f"HTTP {self.status}"
        message = "internal error" if self.status == 500 else phrase
        return {"status": "error", "message": message, "correlationId": correlation_id}


@dataclass
class _Rejection:
    error: dict[str, Any]
    remaining: int


@dataclass
class Faults:
    """The faults a test scheduled; consumed in the order they were added."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _queue: list[Fault] = field(default_factory=list)
    _rejections: dict[str, _Rejection] = field(default_factory=dict)
    #: Set on server stop so hanging requests end at once.
    release: threading.Event = field(default_factory=threading.Event)

    def _add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._queue.append(fault)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        route: str | None = None,
        method: str | None = None,
        body: str | dict[str, Any] | None = None,
    ) -> None:
        """The next ``count`` matching requests answer ``status`` (500, 502, 503, 504, ...)."""
        self._add(Fault("fail", count, route, method, status=status, body=body))

    def lock_next(self, count: int = 1, *, route: str | None = None) -> None:
        """The next ``count`` matching requests answer 423 Locked (not processed)."""
        body = {
            "status": "error",
            "message": "The portal is locked while a large volume of data syncs; wait at least "
            "2 seconds between requests",
            "category": "LOCKED",
        }
        self._add(Fault("fail", count, route, None, status=423, body=body))

    def migrate_next(
        self, count: int = 1, *, retry_after: int = 2, route: str | None = None
    ) -> None:
        """The next ``count`` matching requests answer 477 Migration in Progress with
        ``Retry-After`` (not processed)."""
        body = {
            "status": "error",
            "message": "The account is being migrated between data hosting locations",
            "category": "MIGRATION_IN_PROGRESS",
        }
        self._add(Fault("fail", count, route, None, status=477, body=body, retry_after=retry_after))

    def lose_answer_next(
        self, count: int = 1, *, status: int = 502, route: str | None = None
    ) -> None:
        """The next ``count`` matching requests are processed, then answered ``status``."""
        self._add(Fault("lose", count, route, None, status=status))

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

    def rate_limit_next(
        self,
        count: int = 1,
        *,
        policy: str = TEN_SECONDLY,
        retry_after: int | None = None,
        route: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``count`` matching requests answer 429 for ``policy``."""
        if policy not in (TEN_SECONDLY, SECONDLY, DAILY):
            raise ValueError(f"policy must be {TEN_SECONDLY}, {SECONDLY} or {DAILY}")
        self._add(Fault("limit", count, route, method, policy=policy, retry_after=retry_after))

    def reject_ids(
        self,
        errors: Mapping[str, str | Mapping[str, Any]],
        *,
        times: int = 1,
        context: bool = True,
    ) -> None:
        """The records keyed in ``errors`` fail ``times`` times in batch writes. A ``str`` error
        is the message of a ``VALIDATION_ERROR``; a mapping gives ``category``, ``message`` and
        optionally ``subCategory``. With ``context=False`` the error names no record, as the
        one real 207 on record (/work/shared/reference/hubspot-real-responses.json: only
        ``status``, ``category`` and ``message``)."""
        with self._lock:
            for key, error in errors.items():
                body = (
                    {"category": "VALIDATION_ERROR", "message": error}
                    if isinstance(error, str)
                    else dict(error)
                )
                body.setdefault("category", "VALIDATION_ERROR")
                body.setdefault("message", f"Record {key} was rejected")
                if not context:
                    body["context"] = None
                self._rejections[str(key)] = _Rejection(body, times)

    def take_rejection(self, *keys: str | None) -> dict[str, Any] | None:
        """The error for the first key with a pending rejection, consumed; else ``None``."""
        with self._lock:
            for key in keys:
                rejection = self._rejections.get(str(key)) if key is not None else None
                if rejection is not None and rejection.remaining > 0:
                    rejection.remaining -= 1
                    if rejection.remaining == 0:
                        del self._rejections[str(key)]
                    return dict(rejection.error)
            return None

    def clear(self) -> None:
        """Drop every scheduled fault and rejection."""
        with self._lock:
            self._queue.clear()
            self._rejections.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._queue if f.remaining > 0]

    def take(self, method: str, route: str) -> list[Fault]:
        """The faults for this request (at most one hang and one failure), consumed."""
        taken: list[Fault] = []
        with self._lock:
            for kinds in (("hang",), ("fail", "limit", "lose")):
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
        """Requests to ``route`` (a template or wildcard pattern; any when ``None``) with
        ``method`` (any when ``None``)."""
        with self._lock:
            return sum(
                n
                for (m, r), n in self._counts.items()
                if _route_matches(route, r) and (method is None or m == method.upper())
            )

    def statuses(self, route: str | None = None) -> Counter[int]:
        """Response statuses of the requests to ``route`` (any when ``None``)."""
        with self._lock:
            return Counter(s for _, r, s in self.log if _route_matches(route, r))

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
