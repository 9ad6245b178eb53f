"""HubSpot's request limits on the client side: pacing, rate headers, the daily allowance. Pure
apart from the injected clock and sleep.

Facts ("API usage guidelines and limits",
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines):

* An app may send 100 requests per 10 seconds on Free and Starter accounts, 190 on Professional
  and Enterprise, 250 with the API Limit Increase (``[hubspot] rate_tier``; "Increasing our API
  limits", https://developers.hubspot.com/changelog/increasing-our-api-limits).
* The CRM search endpoints have their own limit: five requests per second (search guide,
  "Limitations"; ``[hubspot] search_rate``, default 4 as "CRM Search API Rate Limit Increase",
  https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase, once said).
* HubSpot's published OpenAPI specs mark the search endpoints and the v4 association batch
  endpoints ``x-hubspot-rate-limit-exemptions: ["ten-secondly"]``: they do not count in the
  10-second window. So requests fall in three groups (:data:`ORDINARY`, :data:`SEARCH`,
  :data:`EXEMPT`): ordinary ones count in the 10-second window and the per-second one, exempt
  ones (association reads) in the per-second one only, searches in the search window only.
* Ordinary responses carry ``X-HubSpot-RateLimit-Max``, ``-Remaining``,
  ``-Interval-Milliseconds`` (the 10-second window), ``-Secondly`` and ``-Secondly-Remaining``
  (the recorded answers in /work/shared/reference/hubspot-real-responses.json: 10 a second next
  to 100 per 10 seconds) and, for private-app tokens, ``-Daily`` and ``-Daily-Remaining``;
  recorded search answers carry only the daily pair.
* Beyond a limit HubSpot answers 429 with ``{"status": "error", "errorType": "RATE_LIMIT",
  "policyName": "TEN_SECONDLY_ROLLING" | "SECONDLY" | "DAILY", ...}`` (the usage guidelines
  above; a real one is quoted in HubSpot/hubspot-api-python#117). The daily limit resets at
  midnight in the account's time zone, so a daily 429 is never waited out.

:class:`RateLimiter` keeps sliding windows of its own requests, one per limit, and waits before a
request would exceed 90% of a limit, with a small slack on the window length: the server counts
arrival times, the client send times, and a normal sync must never see a 429. Search requests
are also spread evenly over their window. The per-second limit follows
``X-HubSpot-RateLimit-Secondly`` once an answer names it (a tenth of the tier before). A
rate-limit header saying the server's window is nearly used up (by another client of the app,
or a run just before) pauses until it has passed, and so does a 429, a 423 or a 477
(:meth:`RateLimiter.pause`): every worker thread waits, not only the one that was refused.

The limiter is shared by the connector's worker threads (``[hubspot] max_workers``): a request
takes its place in the window under a lock, and waits outside it, so parallel batch calls never
send more together than one thread would be allowed to.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = [
    "EXEMPT",
    "HEADROOM",
    "ORDINARY",
    "SEARCH",
    "SEARCH_WINDOW",
    "TEN_SECONDS",
    "ApiUsage",
    "RateLimiter",
    "header",
    "interval_seconds",
    "retry_after",
]

#: Share of a limit the client allows itself.
HEADROOM = 0.9
#: The burst window (``X-HubSpot-RateLimit-Interval-Milliseconds`` is 10000).
TEN_SECONDS = 10.0
SEARCH_WINDOW = 1.0
#: Added to each window: the server sees a request a little later than the client sent it.
SLACK = 0.25
#: ``X-HubSpot-RateLimit-Remaining`` below this pauses for the window.
_LOW = 2
ORDINARY = "ordinary"
SEARCH = "search"
EXEMPT = "exempt"


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A response header by case-insensitive name (urllib3 and vcrpy differ in case)."""
    if not headers:
        return None
    value = headers.get(name)
    if value is not None:
        return str(value)
    lowered = name.lower()
    for key, item in headers.items():
        if key.lower() == lowered:
            return str(item)
    return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a numeric ``Retry-After`` header (HTTP dates are not honoured)."""
    return _number(header(headers, "Retry-After"))


def interval_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The rate window from ``X-HubSpot-RateLimit-Interval-Milliseconds``, in seconds."""
    millis = _number(header(headers, "X-HubSpot-RateLimit-Interval-Milliseconds"))
    return None if millis is None else millis / 1000


@dataclass
class ApiUsage:
    """The daily allowance as last reported by ``X-HubSpot-RateLimit-Daily(-Remaining)``."""

    daily: int | None = None
    remaining: int | None = None

    def observe(self, headers: Mapping[str, str] | None) -> None:
        daily = _number(header(headers, "X-HubSpot-RateLimit-Daily"))
        remaining = _number(header(headers, "X-HubSpot-RateLimit-Daily-Remaining"))
        if daily is not None:
            self.daily = int(daily)
        if remaining is not None:
            self.remaining = int(remaining)


class _Window:
    """Send times of the last requests within ``seconds``; ``limit`` of them at most."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = max(1, limit)
        self.seconds = seconds
        self.sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds to wait before one more request fits."""
        while self.sent and now - self.sent[0] >= self.seconds:
            self.sent.popleft()
        if len(self.sent) < self.limit:
            return 0.0
        return self.sent[len(self.sent) - self.limit] + self.seconds - now


class RateLimiter:
    """Paces requests under the 10-second limit of ``tier``, the per-second limit and the
    search rate.

    Args:
        tier: requests per 10 seconds the app may send (100, 190 or 250).
        search_rate: search requests per second.
        clock: monotonic seconds (inject a fake in tests).
        sleep: used for every wait.
    """

    def __init__(
        self,
        tier: int,
        search_rate: int,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.general = _Window(math.floor(tier * HEADROOM), TEN_SECONDS + SLACK)
        self.secondly = _Window(_share(max(1, tier // 10)), SEARCH_WINDOW + SLACK)
        self.search = _Window(_share(search_rate), SEARCH_WINDOW + SLACK)
        #: Searches are spread evenly, never sent as a burst: the server's one-second window
        #: may still hold searches of an earlier run, which sent no headers to tell.
        self.search_gap = self.search.seconds / self.search.limit
        self._last_search: float | None = None
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0
        self.paused = 0
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def _windows(self, group: str) -> tuple[_Window, ...]:
        if group == SEARCH:
            return (self.search,)
        if group == EXEMPT:
            return (self.secondly,)
        return (self.general, self.secondly)

    def _wait(self, now: float, group: str) -> float:
        wait = max(self._blocked_until - now, *(w.wait(now) for w in self._windows(group)))
        if group == SEARCH and self._last_search is not None:
            wait = max(wait, self._last_search + self.search_gap - now)
        return wait

    def acquire(self, group: str = ORDINARY) -> None:
        """Wait until one more request of ``group`` fits, then count it.

        Thread-safe: the check and the count happen under one lock, the wait outside it.
        """
        while True:
            with self._lock:
                now = self.clock()
                wait = self._wait(now, group)
                if wait <= 0:
                    for window in self._windows(group):
                        window.sent.append(now)
                    if group == SEARCH:
                        self._last_search = now
                    return
                self.waited += wait
            self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every request (of every thread) for ``seconds`` from now: a 429, 423 or 477
        named a window that must pass first."""
        with self._lock:
            self.paused += 1
            self._blocked_until = max(self._blocked_until, self.clock() + seconds)

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """Respect the server's own count (it also counts other clients of the app, an earlier
        run for one): follow its per-second limit, and when a window is about full, wait it out."""
        secondly = _number(header(headers, "X-HubSpot-RateLimit-Secondly"))
        if secondly is not None and secondly >= 1:
            with self._lock:
                self.secondly.limit = _share(int(secondly))
        remaining = _number(header(headers, "X-HubSpot-RateLimit-Remaining"))
        if remaining is not None and remaining < _LOW:
            self.pause(interval_seconds(headers) or TEN_SECONDS)
        remaining = _number(header(headers, "X-HubSpot-RateLimit-Secondly-Remaining"))
        if remaining is not None and remaining < 1:
            self.pause(SEARCH_WINDOW)


def _share(limit: int) -> int:
    """The part of a limit the client allows itself (at least one request)."""
    return max(1, math.floor(limit * HEADROOM))
