"""HubSpot's request limits on the client side: pacing, rate headers, the daily allowance. Pure
apart from the injected clock and sleep.

Facts ("API usage guidelines and limits",
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines):

* An app may send 100 requests per 10 seconds on Free and Starter accounts, 190 on Professional
  and Enterprise, 250 with the API Limit Increase (``[hubspot] rate_tier``; "Increasing our API
  limits", https://developers.hubspot.com/changelog/increasing-our-api-limits).
* The CRM search endpoints have their own, lower limit: four requests per second per token
  ("CRM Search API Rate Limit Increase",
  https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase); a search request
  counts against the 10-second limit as well. Search responses may carry no rate headers.
* Responses carry ``X-HubSpot-RateLimit-Max``, ``-Remaining`` and ``-Interval-Milliseconds`` (the
  10-second window) and, for private-app tokens, ``X-HubSpot-RateLimit-Daily`` and
  ``-Daily-Remaining``.
* Beyond a limit HubSpot answers 429 with ``{"status": "error", "errorType": "RATE_LIMIT",
  "policyName": "TEN_SECONDLY_ROLLING" | "DAILY", ...}`` (the usage guidelines above; a real one
  is quoted in HubSpot/hubspot-api-python#117). The daily limit resets at midnight in the
  account's time zone, so a daily 429 is never waited out.

:class:`RateLimiter` keeps a sliding window of its own requests and waits before a request would
exceed 90% of the tier (or of the search rate), with a small slack on the window length: the
server counts arrival times, the client send times, and a normal sync must never see a 429.
Search requests are also spread evenly over their window, and a rate-limit header saying the
server's window is nearly used up (by another client of the app, or a run just before) pauses
until it has passed.

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
    "HEADROOM",
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
    """Paces requests under the 10-second limit of ``tier`` and the search rate.

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
        self.search = _Window(max(1, math.floor(search_rate * HEADROOM)), SEARCH_WINDOW + SLACK)
        #: Searches are spread evenly, never sent as a burst: the server's one-second window
        #: may still hold searches of an earlier run, which sent no headers to tell.
        self.search_gap = self.search.seconds / self.search.limit
        self._last_search: float | None = None
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def _wait(self, now: float, search: bool) -> float:
        wait = max(self._blocked_until - now, self.general.wait(now))
        if search:
            wait = max(wait, self.search.wait(now))
            if self._last_search is not None:
                wait = max(wait, self._last_search + self.search_gap - now)
        return wait

    def acquire(self, *, search: bool = False) -> None:
        """Wait until one more request (a search request when ``search``) fits, then count it.

        Thread-safe: the check and the count happen under one lock, the wait outside it.
        """
        while True:
            with self._lock:
                now = self.clock()
                wait = self._wait(now, search)
                if wait <= 0:
                    self.general.sent.append(now)
                    if search:
                        self.search.sent.append(now)
                        self._last_search = now
                    return
                self.waited += wait
            self.sleep(wait)

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """Respect the server's own count (it also counts other clients of the app, an earlier
        run for one): when its window is about full, wait that window out."""
        remaining = _number(header(headers, "X-HubSpot-RateLimit-Remaining"))
        if remaining is not None and remaining < _LOW:
            window = interval_seconds(headers) or TEN_SECONDS
            with self._lock:
                self._blocked_until = max(self._blocked_until, self.clock() + window)
