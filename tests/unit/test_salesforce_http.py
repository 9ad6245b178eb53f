"""Error classification, the limit header, bounded retries and re-login, without a server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.salesforce.http import (
    Action,
    ApiError,
    ApiUsage,
    OutcomeUnknownError,
    QueryPages,
    RetryPolicy,
    SalesforceHttp,
    Token,
    TransientError,
    classify,
    error_details,
    parse_limit_info,
)
from crm_accounts.errors import FatalConnectorError, RetriableError

DAILY = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
CONCURRENT = [
    {"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
]
UNAVAILABLE = [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}]
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.mark.parametrize(
    ("status", "content", "action"),
    [
        (503, UNAVAILABLE, Action.RETRY),
        (500, "<html>oops</html>", Action.RETRY),
        (502, None, Action.RETRY),
        (429, None, Action.RETRY),
        (403, CONCURRENT, Action.RETRY),
        (403, DAILY, Action.DAILY_LIMIT),
        (
            403,
            [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "Something new"}],
            Action.DAILY_LIMIT,
        ),
        (401, EXPIRED, Action.RELOGIN),
        (400, [{"errorCode": "MALFORMED_QUERY", "message": "unexpected token"}], Action.FAIL),
        (403, [{"errorCode": "INSUFFICIENT_ACCESS", "message": "no"}], Action.FAIL),
        (404, [{"errorCode": "NOT_FOUND", "message": "gone"}], Action.FAIL),
    ],
)
def test_failures_are_classified_by_status_and_error_code(
    status: int, content: Any, action: Action
) -> None:
    assert classify(status, *error_details(content)) is action


def test_error_bodies_of_every_shape_give_code_and_message() -> None:
    assert error_details(DAILY) == ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    assert error_details(b'[{"errorCode": "X", "message": "m"}]') == ("X", "m")
    oauth = {"error": "invalid_grant", "error_description": "authentication failure"}
    assert error_details(oauth) == ("invalid_grant", "authentication failure")
    assert error_details("Service Unavailable") == ("", "Service Unavailable")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/5000", (18, 5000)),
        ("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", (25, 5000)),
        ("api-usage=110018/100000; api-bursts=1/750", (110018, 100000)),
        ("per-app-api-usage=17/250(appName=x)", None),
        ("", None),
        (None, None),
    ],
)
def test_the_limit_info_header_is_parsed(header: str | None, expected: object) -> None:
    assert parse_limit_info(header) == expected


def test_usage_beyond_the_maximum_leaves_nothing_remaining() -> None:
    assert ApiUsage(110018, 100000).remaining == 0
    assert ApiUsage(18, 5000).remaining == 4982
    assert ApiUsage().remaining is None


def test_a_repeated_query_locator_stops_paging() -> None:
    first = {
        "totalSize": 3,
        "done": False,
        "records": [{"Id": "1"}],
        "nextRecordsUrl": "/services/data/v62.0/query/01g-1",
    }
    again = {**first, "records": [{"Id": "2"}]}
    pages = QueryPages(first, lambda locator: again)
    with pytest.raises(FatalConnectorError, match="repeated the locator"):
        list(pages)


def test_pages_are_read_lazily_until_done() -> None:
    first = {"totalSize": 3, "done": False, "records": [{"Id": "1"}], "nextRecordsUrl": "/q/a"}
    pages = {
        "/q/a": {"done": False, "records": [{"Id": "2"}], "nextRecordsUrl": "/q/b"},
        "/q/b": {"done": True, "records": [{"Id": "3"}]},
    }
    asked: list[str] = []

    def more(locator: str) -> dict[str, Any]:
        asked.append(locator)
        return pages[locator]

    result = QueryPages(first, more)
    assert result.total_size == 3
    assert not result.complete
    iterator = iter(result)
    assert next(iterator) == {"Id": "1"}
    assert asked == []
    assert [r["Id"] for r in iterator] == ["2", "3"]
    assert asked == ["/q/a", "/q/b"]


class _Clock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def _http(
    clock: _Clock, *, attempts: int = 4, logins: list[int] | None = None, relogin: bool = True
) -> SalesforceHttp:
    section = SalesforceSection(max_attempts=attempts, max_retry_seconds=600)
    counter = logins if logins is not None else []

    def login() -> Token:
        counter.append(1)
        return Token(f"00D000000000001!token{len(counter)}", "https://127.0.0.1:1")

    return SalesforceHttp(section, requests.Session(), login, can_relogin=relogin, sleep=clock)


def _failing(*errors: Exception) -> Callable[[Salesforce], str]:
    queue = list(errors)

    def fn(sf: Salesforce) -> str:
        if queue:
            raise queue.pop(0)
        return f"ok with {sf.session_id}"

    return fn


def _error(cls: type[Exception], status: int, content: Any) -> Exception:
    return cls("https://127.0.0.1:1/services/data/v62.0/query", status, "query", content)


def test_a_503_burst_is_retried_with_logged_sleeps(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    http = _http(clock)
    fn = _failing(
        _error(SalesforceGeneralError, 503, UNAVAILABLE),
        _error(SalesforceGeneralError, 503, UNAVAILABLE),
    )
    with caplog.at_level(logging.WARNING, logger="crm_accounts"):
        assert http.call("query", fn).startswith("ok")
    assert len(clock.sleeps) == 2
    assert http.calls["query"] == 3
    assert sum("retrying in" in r.getMessage() for r in caplog.records) == 2


def test_retries_are_bounded_by_attempts() -> None:
    clock = _Clock()
    http = _http(clock, attempts=3)
    fn = _failing(*(_error(SalesforceGeneralError, 500, "boom") for _ in range(5)))
    with pytest.raises(RetriableError, match="3 attempt"):
        http.call("query", fn)
    assert len(clock.sleeps) == 2


def test_retries_are_bounded_by_total_time_and_honour_the_server_wait() -> None:
    clock = _Clock()
    policy = RetryPolicy(max_attempts=20, max_seconds=25, sleep=clock)

    def always() -> None:
        raise TransientError("busy", wait=10)

    with pytest.raises(RetriableError):
        policy.run("query", always)
    assert clock.sleeps == [10, 10]


def test_the_daily_allowance_is_never_retried() -> None:
    clock = _Clock()
    http = _http(clock)
    http.usage.used, http.usage.max = 15000, 15000
    with pytest.raises(FatalConnectorError) as caught:
        http.call("query", _failing(_error(SalesforceRefusedRequest, 403, DAILY)))
    assert "daily API request allowance exhausted" in str(caught.value)
    assert "15000/15000" in str(caught.value)
    assert clock.sleeps == []
    assert http.calls["query"] == 1


def test_the_concurrent_request_limit_is_retried() -> None:
    clock = _Clock()
    http = _http(clock)
    fn = _failing(_error(SalesforceRefusedRequest, 403, CONCURRENT))
    assert http.call("query", fn).startswith("ok")
    assert len(clock.sleeps) == 1


def test_an_expired_session_logs_in_once_more_then_fails() -> None:
    logins: list[int] = []
    http = _http(_Clock(), logins=logins)
    fn = _failing(_error(SalesforceExpiredSession, 401, EXPIRED))
    assert http.call("query", fn) == "ok with 00D000000000001!token2"
    assert len(logins) == 2
    twice = _failing(*(_error(SalesforceExpiredSession, 401, EXPIRED) for _ in range(2)))
    with pytest.raises(FatalConnectorError, match="after logging in again"):
        http.call("query", twice)


def test_a_fixed_session_token_cannot_be_renewed() -> None:
    http = _http(_Clock(), relogin=False)
    with pytest.raises(FatalConnectorError, match="session was refused"):
        http.call("query", _failing(_error(SalesforceExpiredSession, 401, EXPIRED)))


def test_a_create_is_resent_only_when_the_server_did_not_process_it() -> None:
    clock = _Clock()
    http = _http(clock)
    fn = _failing(_error(SalesforceGeneralError, 503, UNAVAILABLE))
    assert http.call("composite_create", fn, idempotent=False).startswith("ok")
    with pytest.raises(OutcomeUnknownError):
        http.call(
            "composite_create", _failing(_error(SalesforceGeneralError, 500, "x")), idempotent=False
        )
    with pytest.raises(OutcomeUnknownError):
        http.call(
            "composite_create", _failing(requests.exceptions.ReadTimeout("slow")), idempotent=False
        )
    assert len(clock.sleeps) == 1


def test_timeouts_and_connection_errors_are_retried_for_reads() -> None:
    clock = _Clock()
    http = _http(clock)
    fn = _failing(requests.exceptions.ReadTimeout("slow"), requests.exceptions.ConnectionError())
    assert http.call("query", fn).startswith("ok")
    assert len(clock.sleeps) == 2


def test_other_client_errors_are_api_errors_with_code_and_message() -> None:
    http = _http(_Clock())
    bad = [{"errorCode": "INVALID_FIELD", "message": "No such column 'Fit__c' on entity 'Account'"}]
    with pytest.raises(ApiError) as caught:
        http.call("query", _failing(_error(SalesforceGeneralError, 400, bad)))
    assert caught.value.code == "INVALID_FIELD"
    assert "Fit__c" in str(caught.value)


def test_every_response_updates_the_remaining_allowance() -> None:
    http = _http(_Clock())
    response = requests.Response()
    response.headers["Sforce-Limit-Info"] = "api-usage=120/15000"
    for hook in http.session.hooks["response"]:
        hook(response)
    assert (http.usage.used, http.usage.max, http.usage.remaining) == (120, 15000, 14880)
    assert http.remaining_allowance() == 14880


def test_a_token_never_prints() -> None:
    token = Token("00D000000000001!secretvalue", "https://example.my.salesforce.com")
    assert "secretvalue" not in repr(token)
