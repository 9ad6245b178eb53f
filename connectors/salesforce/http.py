"""The Salesforce HTTP layer: one session, timeouts, classified errors, bounded retries. Does I/O.

Every request goes through :meth:`SalesforceHttp.call`, which sends it once per attempt with
explicit ``(connect, read)`` timeouts and decides by HTTP status and ``errorCode`` what to do
when it fails (never by the vendor exception's type: simple-salesforce raises the same class for
every 5xx, see ``simple_salesforce.util.exception_handler``):

========================================  ===============================================
failure                                   action
========================================  ===============================================
connection error, timeout                 retry (only a connect timeout for a create)
5xx, ``SERVER_UNAVAILABLE``, 429          retry; a create is retried on 503/429 only
403 ``REQUEST_LIMIT_EXCEEDED``            "Concurrent..." limit: retry; the daily allowance
                                          (``TotalRequests``) or any other text: stop with
                                          :class:`FatalConnectorError`, never retried
401 (``INVALID_SESSION_ID``)              log in again once, resend; a second 401 is fatal
other 4xx                                 :class:`ApiError` (a fatal error the writer may
                                          turn into per-record refusals)
========================================  ===============================================

Retries are per request (never a whole generator), exponential with jitter, bounded by
``max_attempts`` and ``max_retry_seconds``, honour ``Retry-After``, log before sleeping and use an
injected ``sleep``. A create (POST) that may have reached the server is not retried blindly:
:class:`OutcomeUnknownError` tells the writer to report the records as failed; the next sync
finds any task that was created by its key.

Facts (Salesforce docs): status codes and error bodies ``[{"message", "errorCode"}]`` and 403
``REQUEST_LIMIT_EXCEEDED`` for exceeded API limits ("Status Codes and Error Responses",
https://developer.salesforce.com/docs/platform/api-rest/guide/errorcodes.html); the concurrent
long-running request limit and the daily allocation are separate limits, both reported as
``REQUEST_LIMIT_EXCEEDED`` ("API Request Limits and Allocations",
https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html);
the daily one reads "TotalRequests Limit exceeded." (as reported in jetstreamapp/jetstream#868
and SalesforceLabs/OrgCheck#181). Every REST response carries ``Sforce-Limit-Info:
api-usage=<used>/<max>`` ("Limit Info Header",
https://developer.salesforce.com/docs/atlas.en-us.264.0.api_rest.meta/api_rest/headers_api_usage.htm);
usage can exceed the maximum during API bursts, so the remaining allowance is clamped at 0.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.retry import OutcomeUnknownError, RetryPolicy, TransientError
from crm_accounts.errors import FatalConnectorError
from crm_accounts.logs import log_event, redact

__all__ = [
    "LOGGER",
    "Action",
    "ApiError",
    "ApiUsage",
    "OutcomeUnknownError",
    "QueryPages",
    "RetryPolicy",
    "SalesforceHttp",
    "Token",
    "TransientError",
    "classify",
    "error_details",
    "parse_limit_info",
    "retry_after",
]

LOGGER = logging.getLogger("crm_accounts.connectors.salesforce")
T = TypeVar("T")

_LIMIT_INFO = re.compile(r"(?:^|[;\s])api-usage=(\d+)/(\d+)")
#: Sleep for a 503 or 429 without ``Retry-After``: the exponential start, capped here.


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and the instance it is valid for; the token never prints."""

    access_token: str
    instance_url: str

    def __repr__(self) -> str:
        return f"Token(access_token='***', instance_url={self.instance_url!r})"


class Action(Enum):
    RETRY = "retry"
    RELOGIN = "relogin"
    DAILY_LIMIT = "daily_limit"
    FAIL = "fail"


class ApiError(FatalConnectorError):
    """Salesforce refused a request for a reason retrying cannot cure."""

    def __init__(self, status: int, code: str, message: str, what: str) -> None:
        self.status = status
        self.code = code
        self.detail = message
        super().__init__(redact(f"Salesforce {what}: HTTP {status} {code}: {message}".strip()))


def error_details(content: Any) -> tuple[str, str]:
    """``(errorCode, message)`` of an error body: a REST error list, an OAuth error object
    (``error``/``error_description``), JSON text, or plain text."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return "", content.strip()[:500]
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        first = content[0]
        return str(first.get("errorCode") or ""), str(first.get("message") or "")
    if isinstance(content, Mapping):
        if "error" in content:
            return str(content.get("error") or ""), str(content.get("error_description") or "")
        return str(content.get("errorCode") or ""), str(content.get("message") or "")
    return "", str(content)[:500]


def classify(status: int, code: str, message: str) -> Action:
    """What to do about a failed response, by HTTP status and ``errorCode``."""
    if status == 401:
        return Action.RELOGIN
    if code == "REQUEST_LIMIT_EXCEEDED":
        # Only the concurrency limit is transient; "TotalRequests" (the daily allowance) and
        # any wording we do not know are never hot-retried.
        return Action.RETRY if "concurrent" in message.lower() else Action.DAILY_LIMIT
    if status >= 500 or status == 429 or code == "SERVER_UNAVAILABLE":
        return Action.RETRY
    return Action.FAIL


def _unprocessed(status: int, code: str) -> bool:
    """The server says it did not process the request (safe to resend a create)."""
    return status in (429, 503) or code in ("SERVER_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED")


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """``(used, max)`` from a ``Sforce-Limit-Info`` header value, or ``None``."""
    if not header:
        return None
    match = _LIMIT_INFO.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a numeric ``Retry-After`` header (HTTP dates are not honoured)."""
    if not headers:
        return None
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass
class ApiUsage:
    """The daily API allowance as last reported by the server."""

    used: int | None = None
    max: int | None = None

    @property
    def remaining(self) -> int | None:
        if self.used is None or self.max is None:
            return None
        return max(0, self.max - self.used)


class QueryPages:
    """A lazy SOQL result: ``total_size`` from the first page, then the records page by page."""

    def __init__(self, first: Mapping[str, Any], more: Callable[[str], Mapping[str, Any]]) -> None:
        self.total_size = int(first.get("totalSize") or 0)
        #: All records are in the first page (no further request will be made).
        self.complete = bool(first.get("done", True)) or not first.get("nextRecordsUrl")
        self._first = first
        self._more = more

    def __iter__(self) -> Iterator[dict[str, Any]]:
        page = self._first
        seen: set[str] = set()
        while True:
            yield from page.get("records") or []
            locator = page.get("nextRecordsUrl")
            if page.get("done", True) or not locator:
                return
            if locator in seen:  # a server that repeats a cursor must not loop us forever
                raise FatalConnectorError(
                    f"Salesforce query paging repeated the locator {locator!r}; stopped reading"
                )
            seen.add(locator)
            page = self._more(str(locator))


class SalesforceHttp:
    """One ``requests.Session`` and the simple-salesforce client on it, with retries, re-login,
    the daily allowance and a call counter per kind of request.

    Args:
        section: ``[salesforce]`` (API version, timeouts, retry bounds).
        session: the session every request uses (tests hand in one that trusts a test CA).
        login: returns a fresh :class:`Token` (called lazily, and once more on a 401).
        can_relogin: whether ``login`` can produce a new token (not for a fixed session).
        sleep: used for every wait (inject a fake in tests).
    """

    def __init__(
        self,
        section: SalesforceSection,
        session: requests.Session,
        login: Callable[[], Token],
        *,
        can_relogin: bool,
        sleep: Callable[[float], None],
    ) -> None:
        self.version = section.api_version
        self.timeout = (section.connect_timeout, section.read_timeout)
        self.session = session
        self.calls: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._login_lock = threading.Lock()
        self.usage = ApiUsage()
        self.policy = RetryPolicy(
            section.max_attempts,
            section.max_retry_seconds,
            sleep,
            event="salesforce.retry",
            logger=LOGGER,
        )
        self.sleep = sleep
        self._login = login
        self._can_relogin = can_relogin
        self._sf: Salesforce | None = None
        session.hooks.setdefault("response", []).append(self._observe)

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self.usage.used, self.usage.max = usage

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce client, logging in on first use (once, whichever thread)."""
        if self._sf is None:
            with self._login_lock:
                if self._sf is None:
                    self._connect()
        assert self._sf is not None
        return self._sf

    def _relogin(self, refused: Salesforce) -> None:
        """Log in again, unless another thread already replaced the refused client."""
        with self._login_lock:
            if self._sf is refused:
                log_event(LOGGER, "salesforce.relogin", "session expired; logging in again")
                self._connect()

    @property
    def instance_url(self) -> str | None:
        """The org's base address once logged in (``None`` before the first request)."""
        return None if self._sf is None else self._sf.base_url.split("/services/", 1)[0]

    def _connect(self) -> None:
        token = self._login()
        # version= explicitly: simple-salesforce defaults to 59.0 (simple_salesforce/api.py).
        self._sf = Salesforce(
            session_id=token.access_token,
            instance_url=token.instance_url,
            version=self.version,
            session=self.session,
            parse_float=Decimal,
        )

    # -- one request ----------------------------------------------------------------------

    def call(self, kind: str, fn: Callable[[Salesforce], T], *, idempotent: bool = True) -> T:
        """Run one request ``fn(client)`` under the retry policy; see the module docstring.

        Raises:
            FatalConnectorError: daily allowance exhausted, session refused after re-login.
            ApiError: a 4xx the caller may turn into per-record refusals.
            OutcomeUnknownError: a non-idempotent request may or may not have been applied.
            RetriableError: the bounds were reached.
        """
        return self.policy.run(kind, lambda: self._attempt(kind, fn, idempotent))

    def _attempt(self, kind: str, fn: Callable[[Salesforce], T], idempotent: bool) -> T:
        for relogin in (False, True):
            with self._count_lock:
                self.calls[kind] += 1
            client = self.sf
            try:
                return fn(client)
            except SalesforceError as exc:
                code, message = error_details(exc.content)
                status, headers = exc.status, None
            except ApiError as exc:
                code, message, status, headers = exc.code, exc.detail, exc.status, None
            except _RawError as exc:
                code, message, status, headers = exc.code, exc.detail, exc.status, exc.headers
            except requests.exceptions.SSLError as exc:
                raise FatalConnectorError(f"Salesforce {kind}: TLS error: {exc}") from None
            except requests.exceptions.ConnectTimeout as exc:
                raise TransientError(f"connect timeout: {exc}") from None
            except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
                if idempotent:
                    raise TransientError(f"{type(exc).__name__}: {exc}") from None
                raise OutcomeUnknownError(
                    f"Salesforce {kind}: {type(exc).__name__} after sending; outcome unknown"
                ) from None
            action = classify(status, code, message)
            if action is Action.RELOGIN:
                if relogin or not self._can_relogin:
                    raise FatalConnectorError(
                        f"Salesforce {kind}: the session was refused (HTTP 401 {code}: "
                        f"{message}){' after logging in again' if relogin else ''}; "
                        "check the credentials in the environment"
                    )
                self._relogin(client)
                continue
            if action is Action.DAILY_LIMIT:
                used = f"{self.usage.used}/{self.usage.max}" if self.usage.max else "unknown"
                raise FatalConnectorError(
                    f"Salesforce daily API request allowance exhausted ({code}: {message}; "
                    f"usage {used}). Stopped without retrying; run again when the rolling "
                    "24-hour allowance has room, or raise the org's API limit"
                )
            if action is Action.RETRY:
                if idempotent or _unprocessed(status, code):
                    raise TransientError(
                        f"HTTP {status} {code}: {message}".strip(), retry_after(headers)
                    )
                raise OutcomeUnknownError(
                    f"Salesforce {kind}: HTTP {status} {code} after sending; outcome unknown"
                )
            raise ApiError(status, code, message, kind)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- helpers over call ----------------------------------------------------------------

    def rest(
        self,
        kind: str,
        path: str,
        method: str = "GET",
        *,
        body: Any = None,
        idempotent: bool = True,
    ) -> Any:
        """A JSON request to ``/services/data/vXX.X/<path>`` through simple-salesforce."""

        def send(sf: Salesforce) -> Any:
            if body is None:
                return sf.restful(path, method=method, timeout=self.timeout)
            return sf.restful(path, method=method, json=body, timeout=self.timeout)

        return self.call(kind, send, idempotent=idempotent)

    def raw(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        content_type: str | None = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """A non-JSON request (Bulk API CSV) on the same session, classified the same way."""

        def send(sf: Salesforce) -> requests.Response:
            headers = {"Authorization": f"Bearer {sf.session_id}", "Accept": "*/*"}
            if content_type:
                headers["Content-Type"] = content_type
            response = self.session.request(
                method,
                sf.base_url + path,
                data=data,
                params=dict(params) if params else None,
                headers=headers,
                timeout=self.timeout,
            )
            if response.status_code >= 300:
                code, message = error_details(response.content)
                raise _RawError(response.status_code, code, message, response.headers)
            return response

        return self.call(kind, send, idempotent=idempotent)

    def userinfo(self) -> Any:
        """``GET <instance>/services/oauth2/userinfo``: who the connector runs as (``user_id``;
        "User Info Endpoint", https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm)."""

        def send(sf: Salesforce) -> Any:
            url = sf.base_url.split("/services/", 1)[0] + "/services/oauth2/userinfo"
            response = self.session.get(
                url, headers={"Authorization": f"Bearer {sf.session_id}"}, timeout=self.timeout
            )
            if response.status_code >= 300:
                code, message = error_details(response.content)
                raise _RawError(response.status_code, code, message, response.headers)
            return response.json()

        return self.call("userinfo", send)

    def query(self, soql: str, *, batch_size: int = 2000, all_rows: bool = False) -> QueryPages:
        """Run ``soql``; the first page is fetched now, the rest lazily, one request each.

        Up to 2,000 records come per batch (``Sforce-Query-Options: batchSize``, 200..2,000;
        "Query Options Header", https://developer.salesforce.com/docs/platform/api-rest/guide/headers-queryoptions.html);
        further batches follow ``nextRecordsUrl`` ("Query More Results",
        https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query-more-results.html).
        ``all_rows`` uses ``queryAll``, which includes archived (and deleted) records.
        """
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        first = self.call(
            "query",
            lambda sf: sf.query(
                soql, include_deleted=all_rows, headers=headers, timeout=self.timeout
            ),
        )

        def more(locator: str) -> Mapping[str, Any]:
            result: Mapping[str, Any] = self.call(
                "query_more",
                lambda sf: sf.query_more(
                    locator, identifier_is_url=True, headers=headers, timeout=self.timeout
                ),
            )
            return result

        return QueryPages(first, more)

    def remaining_allowance(self) -> int:
        """Remaining daily API requests: from the last ``Sforce-Limit-Info`` header, or one
        ``GET /limits`` call when no response has carried it yet ("Limits",
        https://developer.salesforce.com/docs/atlas.en-us.244.0.api_rest.meta/api/resources_limits.htm)."""
        if self.usage.remaining is None:
            limits = self.rest("limits", "limits/")
            daily = (limits or {}).get("DailyApiRequests") or {}
            if self.usage.remaining is None and "Max" in daily and "Remaining" in daily:
                self.usage.max = int(daily["Max"])
                self.usage.used = int(daily["Max"]) - int(daily["Remaining"])
        remaining = self.usage.remaining
        if remaining is None:
            raise FatalConnectorError(
                "Salesforce reported no API allowance (no Sforce-Limit-Info header and no "
                "DailyApiRequests in /limits); cannot check the sync fits the allowance"
            )
        return remaining


class _RawError(Exception):
    def __init__(self, status: int, code: str, detail: str, headers: Mapping[str, str]) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        super().__init__(f"HTTP {status} {code}: {detail}")
