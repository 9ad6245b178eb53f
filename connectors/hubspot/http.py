"""The HubSpot HTTP layer: one client, pacing, classified errors, bounded retries. Does I/O.

Every request goes through :meth:`HubSpotHttp.send`: the :class:`~.limits.RateLimiter` paces it,
hubspot-api-client sends it once per attempt (its ``ApiClient.call_api`` with the private-app
token, the configured host and explicit ``(connect, read)`` timeouts), and a failure is decided
by HTTP status and error body, never by the vendor exception's class (the library defines one
``ApiException`` per sub-package):

=====================================  ========================================================
failure                                action
=====================================  ========================================================
429, ``policyName`` ``DAILY``          stop: :class:`FatalConnectorError`, never retried
429, any other policy                  retry after ``Retry-After``, else the window the policy
                                       names (``SECONDLY``: 1 s; ``TEN_SECONDLY_ROLLING``:
                                       ``X-HubSpot-RateLimit-Interval-Milliseconds``, else 10 s);
                                       every worker pauses that long; safe for creates too
                                       (not applied)
423 Locked                             retry after at least 2 s, every worker paused ("Locks
                                       will last for 2 seconds"); creates too (not applied)
477 Migration in Progress              retry after ``Retry-After`` (HubSpot: typically up to 24
                                       hours), every worker paused; beyond
                                       ``max_retry_seconds`` the run stops, to be run again
5xx, timeout, connection reset         retry; a create (not idempotent) is not resent:
                                       :class:`OutcomeUnknownError`
connection refused, connect timeout    retry (nothing was sent)
401                                    stop: the token was refused
other 4xx                              :class:`ApiError` (the writer turns it into per-record
                                       refusals; on reads it stops the run)
=====================================  ========================================================

Retries are per request (never a whole generator), bounded by ``max_attempts`` and
``max_retry_seconds``, logged before sleeping, with an injected ``sleep``. The library's own
urllib3 ``Retry`` stays off: it is built with ``Retry(0)``, so urllib3 does not retry connection
errors underneath ours (it would by default, and it never retries a POST after sending);
connection failures then surface as urllib3's ``MaxRetryError``, which is classified here too.

423 and 477 are from "Error handling" (below); that neither request was processed is assumed
from HubSpot's wording (a lock, a migration), so a create is resent after them. Requests in
flight are bounded: at most ``max_workers`` at a time over every thread of one connector.

Error bodies are ``{"status": "error", "message", "correlationId", "category", "errors":
[{"message", "in", "code", "context"}]}`` ("Error handling",
https://developers.hubspot.com/docs/api-reference/error-handling). The token never appears in a
message: messages are built from status and body only, and pass through
:func:`~crm_accounts.logs.redact`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NoReturn, TypeVar

import urllib3
from hubspot import HubSpot
from urllib3.util.retry import Retry

from crm_accounts.config import HubSpotSection
from crm_accounts.connectors.retry import OutcomeUnknownError, RetryPolicy, TransientError
from crm_accounts.errors import FatalConnectorError
from crm_accounts.logs import redact

from .limits import (
    ORDINARY,
    SEARCH_WINDOW,
    TEN_SECONDS,
    ApiUsage,
    RateLimiter,
    interval_seconds,
    retry_after,
)

__all__ = [
    "LOGGER",
    "Action",
    "AnsweredUnknownError",
    "ApiError",
    "HubSpotHttp",
    "OutcomeUnknownError",
    "Response",
    "RetryPolicy",
    "TransientError",
    "classify",
    "error_details",
    "make_api_client",
    "next_cursor",
]

LOGGER = logging.getLogger("crm_accounts.connectors.hubspot")
T = TypeVar("T")
#: "Locks will last for 2 seconds" ("Error handling").
LOCK_SECONDS = 2.0
#: A 477 without ``Retry-After``: wait a minute (the policy's bounds stop a long migration).
MIGRATION_SECONDS = 60.0


class Action(Enum):
    RETRY = "retry"
    DAILY_LIMIT = "daily_limit"
    TOKEN_REFUSED = "token_refused"
    FAIL = "fail"


class AnsweredUnknownError(OutcomeUnknownError):
    """A create answered with a 5xx: HubSpot finished with it, so what it created can be
    looked up at once (unlike a timeout, after which the server may still be working on it)."""


class ApiError(FatalConnectorError):
    """HubSpot refused a request for a reason retrying cannot cure."""

    def __init__(self, status: int, body: Mapping[str, Any], what: str) -> None:
        self.status = status
        self.body = dict(body)
        self.category, self.detail = error_details(body)
        text = f"HubSpot {what}: HTTP {status} {self.category}: {self.detail}".strip()
        super().__init__(redact(text))


def error_details(body: Mapping[str, Any]) -> tuple[str, str]:
    """``(category, message)`` of a HubSpot error body (``errorType`` for rate limits)."""
    category = str(body.get("category") or body.get("errorType") or "")
    message = str(body.get("message") or "")
    return category, message[:500]


def _parse(text: Any) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"message": str(text).strip()[:500]}
    return value if isinstance(value, dict) else {"results": value}


def _header_map(headers: Any) -> dict[str, str]:
    """Response headers as a dict: urllib3 gives a mapping, a replayed response (vcrpy) pairs."""
    if not headers:
        return {}
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    found: dict[str, str] = {}
    for pair in pairs:
        if isinstance(pair, tuple | list) and len(pair) == 2:
            found[str(pair[0])] = str(pair[1])
    return found


def classify(status: int, body: Mapping[str, Any]) -> Action:
    """What to do about a failed response, by HTTP status and error body."""
    if status == 429:
        policy = str(body.get("policyName") or "").upper()
        return Action.DAILY_LIMIT if policy == "DAILY" else Action.RETRY
    if status == 401:
        return Action.TOKEN_REFUSED
    if status >= 500 or status in (423, 477):
        return Action.RETRY
    return Action.FAIL


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


def make_api_client(section: HubSpotSection, token: str) -> Any:
    """hubspot-api-client's ``ApiClient`` for ``section.host`` with urllib3 retries off.

    ``HubSpot(access_token=..., host=...)`` copies the host onto every sub-API's configuration;
    the CRM objects client serves any path through ``call_api``.
    """
    no_retries = Retry(total=0, connect=0, read=0, redirect=0, status=0, raise_on_status=False)
    client = HubSpot(access_token=token, host=section.host.rstrip("/"), retry=no_retries)
    return client.crm.objects.basic_api.api_client


class HubSpotHttp:
    """One hubspot-api-client ``ApiClient`` with pacing, retries, the daily allowance and a
    call counter per kind of request.

    Args:
        section: ``[hubspot]`` (host, tier, timeouts, retry bounds).
        api_client: the library's client (see :func:`make_api_client`).
        clock: monotonic seconds for the rate limiter.
        sleep: every wait (pacing and retries) goes through it.
    """

    def __init__(
        self,
        section: HubSpotSection,
        api_client: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.section = section
        self.api_client = api_client
        self.timeout = (section.connect_timeout, section.read_timeout)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.usage = ApiUsage()
        self.limiter = RateLimiter(section.rate_tier, section.search_rate, clock, sleep)
        self.policy = RetryPolicy(
            section.max_attempts,
            section.max_retry_seconds,
            sleep,
            event="hubspot.retry",
            logger=LOGGER,
        )
        self.sleep = sleep
        self._in_flight = threading.BoundedSemaphore(max(1, section.max_workers))

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] | None = None,
        body: Any = None,
        group: str = ORDINARY,
        idempotent: bool = True,
    ) -> Response:
        """One request under the retry policy; see the module docstring. ``group`` is how
        HubSpot counts it (:data:`~.limits.ORDINARY`, ``SEARCH``, ``EXEMPT``).

        Raises:
            FatalConnectorError: daily limit reached, token refused, TLS failure.
            ApiError: a 4xx the caller may turn into per-record refusals.
            OutcomeUnknownError: a create may or may not have been applied.
            RetriableError: the retry bounds were reached.
        """

        def attempt() -> Response:
            with self._in_flight:  # at most max_workers requests in flight
                return self._call(kind, method, path, query, body, group, idempotent)

        return self.policy.run(kind, attempt)

    def json(self, kind: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The parsed body of :meth:`send`."""
        return self.send(kind, method, path, **kwargs).body

    def _call(
        self,
        kind: str,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]] | None,
        body: Any,
        group: str,
        idempotent: bool,
    ) -> Response:
        self.limiter.acquire(group)
        with self._lock:
            self.calls[kind] += 1
        try:
            # The raw urllib3 response (``_preload_content=False``), read here: the library's
            # ``last_response`` is one attribute shared by every thread using the client.
            raw = self.api_client.call_api(
                path,
                method,
                query_params=list(query) if query else None,
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=body,
                auth_settings=["oauth2"],
                response_types_map={},
                _return_http_data_only=True,
                _preload_content=False,
                _request_timeout=self.timeout,
            )
            data = raw.data
            raw.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise self._transport_error(kind, exc, idempotent) from None
        except Exception as exc:
            status = getattr(exc, "status", None)
            if not isinstance(status, int) or not type(exc).__module__.startswith("hubspot."):
                raise
            headers = _header_map(getattr(exc, "headers", None))
            self._failed(kind, status, _parse(getattr(exc, "body", None)), headers, idempotent)
        found = _header_map(raw.headers)
        self.usage.observe(found)
        self.limiter.observe(found)
        return Response(int(raw.status), _parse(data), found)

    def _transport_error(
        self, kind: str, exc: urllib3.exceptions.HTTPError, idempotent: bool
    ) -> Exception:
        reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
        if isinstance(reason, urllib3.exceptions.SSLError):
            return FatalConnectorError(f"HubSpot {kind}: TLS error: {type(reason).__name__}")
        not_sent = isinstance(
            reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
        )
        name = type(reason).__name__ if reason is not None else type(exc).__name__
        if idempotent or not_sent:
            return TransientError(f"{name} ({'not sent' if not_sent else 'no answer'})")
        return OutcomeUnknownError(f"HubSpot {kind}: {name} after sending; outcome unknown")

    def _failed(
        self,
        kind: str,
        status: int,
        body: dict[str, Any],
        headers: Mapping[str, str],
        idempotent: bool,
    ) -> NoReturn:
        self.usage.observe(headers)
        if status == 0:  # the library's wrapper around urllib3's SSLError
            raise FatalConnectorError(f"HubSpot {kind}: TLS error talking to {self.section.host}")
        action = classify(status, body)
        category, message = error_details(body)
        if action is Action.DAILY_LIMIT:
            daily = self.usage.daily
            raise FatalConnectorError(
                f"HubSpot daily API limit reached ({message or 'policy DAILY'}"
                f"{f'; {daily} requests a day' if daily else ''}). Stopped without retrying: the "
                "limit resets at midnight in the account's time zone; run again then, or raise "
                "the account's API limit"
            )
        if action is Action.TOKEN_REFUSED:
            raise FatalConnectorError(
                f"HubSpot refused the access token (HTTP 401 {category}: {message}); check the "
                f"private app token in the environment variable {self.section.access_token_env}"
            )
        if action is Action.RETRY:
            wait = _pause_for(status, body, headers)
            if wait is not None:
                self.limiter.pause(wait)
                what = body.get("policyName") or category or ("Locked" if status == 423 else "")
                raise TransientError(f"HTTP {status} {what}".strip(), wait)
            if idempotent:
                raise TransientError(f"HTTP {status} {category}: {message}".strip())
            raise AnsweredUnknownError(
                f"HubSpot {kind}: HTTP {status} after sending; outcome unknown"
            )
        raise ApiError(status, body, kind)

    # -- paging helpers -----------------------------------------------------------------------

    def pages(
        self, kind: str, path: str, query: Sequence[tuple[str, str]]
    ) -> Iterator[dict[str, Any]]:
        """Every record of a list endpoint, one request per page, lazily.

        Pages follow ``paging.next.after`` ("Retrieve companies",
        https://developers.hubspot.com/docs/api-reference/latest/crm/objects/companies/get-companies);
        the last page has no ``paging``. A repeated cursor stops the read.
        """
        after: str | None = None
        seen: set[str] = set()
        while True:
            params = list(query) + ([("after", after)] if after else [])
            page = self.json(kind, "GET", path, query=params)
            yield from page.get("results") or []
            after = next_cursor(page)
            if after is None:
                return
            if after in seen:
                raise FatalConnectorError(
                    f"HubSpot {kind}: paging repeated the cursor {after!r}; stopped reading"
                )
            seen.add(after)


def _pause_for(status: int, body: Mapping[str, Any], headers: Mapping[str, str]) -> float | None:
    """Seconds every worker waits after a 429, 423 or 477 (``None`` for other statuses)."""
    hinted = retry_after(headers)
    if status == 429:
        if hinted is not None:
            return hinted
        if str(body.get("policyName") or "").upper() == "SECONDLY":
            return SEARCH_WINDOW
        return interval_seconds(headers) or TEN_SECONDS
    if status == 423:
        return max(LOCK_SECONDS, hinted or 0.0)
    if status == 477:
        return hinted if hinted is not None else MIGRATION_SECONDS
    return None


def next_cursor(page: Mapping[str, Any]) -> str | None:
    """``paging.next.after`` of a page (a string or a number in real answers), or ``None``."""
    paging = page.get("paging")
    following = paging.get("next") if isinstance(paging, Mapping) else None
    after = following.get("after") if isinstance(following, Mapping) else None
    return None if after is None or after == "" else str(after)
