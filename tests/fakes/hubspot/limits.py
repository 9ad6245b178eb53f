"""Rate limits of the fake HubSpot portal, on an injectable clock. No I/O.

What HubSpot enforces ("API usage guidelines and limits",
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines; "Increasing our
API limits", https://developers.hubspot.com/changelog/increasing-our-api-limits):

* a burst limit per private app over a rolling 10 seconds: 100 requests (Free/Starter), 190
  (Professional/Enterprise), 250 (API limit increase pack) — :attr:`RateLimits.per_ten_seconds`;
* a daily limit per account (250,000 on Free/Starter, the value the recorded responses show) —
  :attr:`RateLimits.daily`; the real one resets at midnight in the account's time zone, the fake
  at midnight UTC of its clock;
* the CRM search endpoints: "rate limited to five requests per second per account" (search guide,
  "Limitations"; formerly four per token, "CRM Search API rate limit increase") — a separate
  counter, :attr:`RateLimits.search_per_second`;
* a per-second limit on ordinary requests: every recorded ordinary answer
  (/work/shared/reference/hubspot-real-responses.json) carries ``X-HubSpot-RateLimit-Secondly``
  (10 next to ``-Max`` 100) and ``-Secondly-Remaining`` — :attr:`RateLimits.per_second`; for
  higher tiers the fake assumes a tenth of the 10-second limit (no recording shows one);
* exemptions: HubSpot's published OpenAPI specs mark the search endpoints and the v4 association
  batch endpoints (``/crm/v4/associations/{from}/{to}/batch/read`` among them) with
  ``x-hubspot-rate-limit-exemptions: ["ten-secondly"]``: they do not count in the 10-second
  window. The fake counts v4 association batch reads (group ``exempt``) in the per-second window
  only, and searches (group ``search``) in the search window only.

Headers (the recorded answers): ordinary responses carry ``X-HubSpot-RateLimit-Daily``,
``-Daily-Remaining``, ``-Interval-Milliseconds`` (10000), ``-Max``, ``-Remaining``,
``-Secondly`` and ``-Secondly-Remaining``; search responses only the two daily ones (the recorded
search answer); exempt ones the daily and secondly pairs (assumed: no recording).

429 bodies: ``{"status": "error", "message", "errorType": "RATE_LIMIT", "correlationId",
"policyName"}`` with ``policyName`` ``TEN_SECONDLY_ROLLING``, ``SECONDLY`` (search: "You have
reached your secondly limit.", HGData/mk-node-hubspot#84 and #89; the message HubSpot's Node
client keys its search back-off on) or ``DAILY``. A rejected request is not counted. The clock
is any ``() -> float`` of epoch seconds; :class:`ManualClock` lets tests move time instead of
sleeping.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "DAILY",
    "EXEMPT",
    "ORDINARY",
    "SEARCH",
    "SECONDLY",
    "TEN_SECONDLY",
    "TIERS",
    "ManualClock",
    "RateLimits",
    "limit_body",
]

TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
SECONDLY = "SECONDLY"
DAILY = "DAILY"
TIERS = (100, 190, 250)
#: Request groups, as HubSpot counts them.
ORDINARY = "ordinary"
SEARCH = "search"
EXEMPT = "exempt"
INTERVAL_MS = 10_000
_MESSAGES = {
    TEN_SECONDLY: "You have reached your ten_secondly_rolling limit.",
    SECONDLY: "You have reached your secondly limit.",
    DAILY: "You have reached your daily limit.",
}


def limit_body(policy: str, correlation_id: str) -> dict[str, object]:
    """The body of a 429 for ``policy``."""
    if policy not in _MESSAGES:
        raise ValueError(f"policy must be one of {', '.join(_MESSAGES)}, not {policy!r}")
    return {
        "status": "error",
        "message": _MESSAGES[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id,
        "policyName": policy,
    }


class ManualClock:
    """A clock that only moves when told to: ``clock.advance(10)``."""

    def __init__(self, start: datetime | float = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) -> None:
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass
class Decision:
    """The outcome of :meth:`RateLimits.admit`: ``policy`` is set when the request is refused."""

    policy: str | None
    headers: dict[str, str]


class RateLimits:
    """The portal's counters. All methods are thread-safe."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        per_ten_seconds: int = 100,
        search_per_second: int = 5,
        daily: int = 250_000,
        per_second: int | None = None,
    ) -> None:
        self.clock = clock
        self.per_ten_seconds = per_ten_seconds
        self.search_per_second = search_per_second
        #: Ordinary and exempt requests per second; ``None``: a tenth of the 10-second limit.
        self.per_second = per_second
        self.daily = daily
        self.daily_used = 0
        #: With ``False`` nothing is refused (headers are still sent).
        self.enforce = True
        self._day = self._today()
        self._general: deque[float] = deque()
        self._search: deque[float] = deque()
        self._secondly: deque[float] = deque()
        self._lock = threading.Lock()

    def _today(self) -> str:
        return datetime.fromtimestamp(self.clock(), tz=UTC).date().isoformat()

    def set_tier(self, per_ten_seconds: int) -> None:
        """Set the 10-second limit (100, 190 or 250 for the real tiers)."""
        if per_ten_seconds < 1:
            raise ValueError("the 10-second limit must be positive")
        with self._lock:
            self.per_ten_seconds = per_ten_seconds

    def set_daily(self, limit: int | None = None, used: int | None = None) -> None:
        """Set the daily allowance and how much of today's is used."""
        with self._lock:
            self._roll_day()
            if limit is not None:
                self.daily = limit
            if used is not None:
                self.daily_used = used

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self.daily_used = today, 0

    def _prune(self, now: float) -> None:
        while self._general and self._general[0] <= now - INTERVAL_MS / 1000:
            self._general.popleft()
        while self._search and self._search[0] <= now - 1:
            self._search.popleft()
        while self._secondly and self._secondly[0] <= now - 1:
            self._secondly.popleft()

    def secondly(self) -> int:
        """The per-second limit of ordinary and exempt requests."""
        return self.per_second or max(1, self.per_ten_seconds // 10)

    def admit(self, group: str) -> Decision:
        """Count one request of ``group`` (:data:`ORDINARY`, :data:`SEARCH`, :data:`EXEMPT`), or
        refuse it with the policy it breaks."""
        with self._lock:
            now = self.clock()
            self._roll_day()
            self._prune(now)
            policy: str | None = None
            if self.enforce and self.daily_used >= self.daily:
                policy = DAILY
            elif group == SEARCH:
                if self.enforce and len(self._search) >= self.search_per_second:
                    policy = SECONDLY
            elif self.enforce and group == ORDINARY and len(self._general) >= self.per_ten_seconds:
                policy = TEN_SECONDLY
            elif self.enforce and len(self._secondly) >= self.secondly():
                policy = SECONDLY
            if policy is None:
                self.daily_used += 1
                if group == SEARCH:
                    self._search.append(now)
                else:
                    self._secondly.append(now)
                    if group == ORDINARY:
                        self._general.append(now)
            return Decision(policy, self._headers(group))

    def headers(self, group: str = ORDINARY) -> dict[str, str]:
        """The rate-limit headers a response of ``group`` would carry now."""
        with self._lock:
            self._roll_day()
            self._prune(self.clock())
            return self._headers(group)

    def _headers(self, group: str) -> dict[str, str]:
        headers = {
            "X-HubSpot-RateLimit-Daily": str(self.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(self.daily - self.daily_used, 0)),
        }
        if group == ORDINARY:
            remaining = max(self.per_ten_seconds - len(self._general), 0)
            headers.update(
                {
                    "X-HubSpot-RateLimit-Interval-Milliseconds": str(INTERVAL_MS),
                    "X-HubSpot-RateLimit-Max": str(self.per_ten_seconds),
                    "X-HubSpot-RateLimit-Remaining": str(remaining),
                }
            )
        if group != SEARCH:
            secondly = self.secondly()
            headers["X-HubSpot-RateLimit-Secondly"] = str(secondly)
            headers["X-HubSpot-RateLimit-Secondly-Remaining"] = str(
                max(secondly - len(self._secondly), 0)
            )
        return headers

    def in_window(self) -> int:
        """Requests counted in the current 10-second window."""
        with self._lock:
            self._prune(self.clock())
            return len(self._general)

    def reset(self) -> None:
        """Empty the windows and today's count."""
        with self._lock:
            self._general.clear()
            self._search.clear()
            self._secondly.clear()
            self.daily_used = 0
