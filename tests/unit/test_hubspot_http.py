"""Pacing, rate headers, error classification and bounded retries of the HubSpot layer, without
a server: a stub stands in for hubspot-api-client's ``ApiClient``."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import urllib3

from crm_accounts.config import HubSpotSection
from crm_accounts.connectors.hubspot.http import (
    Action,
    ApiError,
    HubSpotHttp,
    OutcomeUnknownError,
    RetryPolicy,
    TransientError,
    classify,
    make_api_client,
    next_cursor,
)
from crm_accounts.connectors.hubspot.limits import (
    ApiUsage,
    RateLimiter,
    interval_seconds,
    retry_after,
)
from crm_accounts.errors import FatalConnectorError, RetriableError


class Clock:
    """A fake monotonic clock whose sleep moves time and records the wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class HubSpotApiError(Exception):
    """Shaped like hubspot-api-client's ``ApiException`` (status, body, headers)."""

    __module__ = "hubspot.crm.objects.exceptions"

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = json.dumps(body) if not isinstance(body, str) else body
        self.headers = headers or {}


class _Response:
    """What ``call_api(..., _preload_content=False)`` returns: urllib3's raw response."""

    def __init__(self, data: str, headers: dict[str, str]) -> None:
        self.data = data
        self.status = 200
        self.headers = headers

    def release_conn(self) -> None:
        pass


class StubClient:
    """Answers ``call_api`` from a queue: a dict (200 body), or an exception to raise."""

    def __init__(self, *answers: Any, headers: dict[str, str] | None = None) -> None:
        self.answers = list(answers)
        self.headers = headers or {}
        self.sent: list[tuple[str, str, Any]] = []
        self.last_response: _Response | None = None

    def call_api(self, path: str, method: str, **kwargs: Any) -> _Response:
        self.sent.append((method, path, kwargs.get("body")))
        answer = self.answers.pop(0) if self.answers else {"results": []}
        if isinstance(answer, BaseException):
            raise answer
        self.last_response = _Response(json.dumps(answer), dict(self.headers))
        return self.last_response


def _http(client: StubClient, clock: Clock, **overrides: Any) -> HubSpotHttp:
    section = HubSpotSection(**{"max_attempts": 4, "max_retry_seconds": 600, **overrides})
    return HubSpotHttp(section, client, clock=clock, sleep=clock.sleep)


TEN_SECONDLY = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "TEN_SECONDLY_ROLLING",
}
DAILY = {
    "status": "error",
    "message": "You have reached your daily limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "DAILY",
}


# -- limits ---------------------------------------------------------------------------------------


def test_the_limiter_keeps_ten_percent_under_the_tier_in_any_ten_seconds() -> None:
    clock = Clock()
    limiter = RateLimiter(100, 4, clock, clock.sleep)
    sent: list[float] = []
    for _ in range(200):
        limiter.acquire()
        sent.append(clock.now)
        clock.now += 0.01
    assert max(sum(1 for t in sent if start <= t < start + 10) for start in sent) <= 90
    assert clock.sleeps  # it waited instead of sending a 91st request


def test_search_requests_are_paced_under_four_a_second() -> None:
    clock = Clock()
    limiter = RateLimiter(250, 4, clock, clock.sleep)
    sent = []
    for _ in range(12):
        limiter.acquire("search")
        sent.append(clock.now)
    assert max(sum(1 for t in sent if start <= t < start + 1) for start in sent) <= 3


def test_a_nearly_empty_server_window_pauses_for_the_whole_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(100, 4, clock, clock.sleep)
    limiter.observe(
        {"x-hubspot-ratelimit-remaining": "1", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    )
    limiter.acquire()
    assert clock.sleeps == [10.0]


def test_rate_headers_are_read_whatever_their_case() -> None:
    usage = ApiUsage()
    usage.observe(
        {"x-hubspot-ratelimit-daily": "250000", "X-HUBSPOT-RATELIMIT-DAILY-REMAINING": "248656"}
    )
    assert (usage.daily, usage.remaining) == (250000, 248656)
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert interval_seconds({"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}) == 10.0


# -- classification -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "action"),
    [
        (429, TEN_SECONDLY, Action.RETRY),
        (429, {**TEN_SECONDLY, "policyName": "SECONDLY"}, Action.RETRY),
        (429, DAILY, Action.DAILY_LIMIT),
        (401, {"category": "INVALID_AUTHENTICATION"}, Action.TOKEN_REFUSED),
        (500, {}, Action.RETRY),
        (502, {"message": "<html>bad gateway</html>"}, Action.RETRY),
        (400, {"category": "VALIDATION_ERROR"}, Action.FAIL),
        (403, {"category": "MISSING_SCOPES"}, Action.FAIL),
        (423, {}, Action.RETRY),
        (477, {}, Action.RETRY),
    ],
)
def test_failures_are_classified_by_status_and_policy(
    status: int, body: dict[str, Any], action: Action
) -> None:
    assert classify(status, body) is action


def test_cursors_may_be_strings_or_numbers_and_end_without_paging() -> None:
    assert next_cursor({"paging": {"next": {"after": 12643437385}}}) == "12643437385"
    assert next_cursor({"paging": {"next": {"after": "MTA="}}}) == "MTA="
    assert next_cursor({"results": []}) is None


# -- retries --------------------------------------------------------------------------------------


def test_a_429_waits_as_retry_after_says_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    client = StubClient(HubSpotApiError(429, TEN_SECONDLY, {"Retry-After": "7"}), {"ok": 1})
    http = _http(client, clock)
    with caplog.at_level(logging.WARNING, logger="crm_accounts"):
        assert http.json("list_companies", "GET", "/crm/v3/objects/companies") == {"ok": 1}
    assert 7.0 in clock.sleeps
    assert http.calls["list_companies"] == 2
    assert any("retrying in 7.0s" in r.getMessage() for r in caplog.records)


def test_a_429_without_retry_after_waits_the_rate_window() -> None:
    clock = Clock()
    headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    client = StubClient(HubSpotApiError(429, TEN_SECONDLY, headers), {"ok": 1})
    _http(client, clock).json("list_companies", "GET", "/crm/v3/objects/companies")
    assert clock.sleeps == [10.0]


def test_a_429_without_any_header_waits_the_window_its_policy_names() -> None:
    clock = Clock()
    secondly = {**TEN_SECONDLY, "policyName": "SECONDLY"}
    client = StubClient(HubSpotApiError(429, TEN_SECONDLY), HubSpotApiError(429, secondly), {})
    _http(client, clock).json("list_companies", "GET", "/crm/v3/objects/companies")
    assert clock.sleeps == [10.0, 1.0]


def test_a_429_pauses_every_worker_until_its_window_has_passed() -> None:
    clock = Clock()
    client = StubClient(HubSpotApiError(429, TEN_SECONDLY, {"Retry-After": "4"}))
    http = _http(client, clock, max_attempts=1)
    with pytest.raises(RetriableError):
        http.json("list_companies", "GET", "/crm/v3/objects/companies")
    assert clock.sleeps == []  # no attempt left: this request gave up without waiting
    http.limiter.acquire("exempt")  # another worker's request, of another group
    assert clock.sleeps == [4.0]


def test_a_423_is_retried_after_two_seconds_creates_included() -> None:
    clock = Clock()
    locked = HubSpotApiError(423, {"status": "error", "message": "locked"})
    client = StubClient(locked, {"results": []})
    http = _http(client, clock)
    http.json("tasks_create", "POST", "/crm/v3/objects/tasks/batch/create", idempotent=False)
    assert clock.sleeps == [2.0]
    assert len(client.sent) == 2


def test_a_477_waits_retry_after_and_a_long_migration_stops_the_run() -> None:
    clock = Clock()
    short = HubSpotApiError(477, {"status": "error"}, {"Retry-After": "30"})
    http = _http(StubClient(short, {"ok": 1}), clock)
    assert http.json("owners", "GET", "/crm/v3/owners") == {"ok": 1}
    assert clock.sleeps == [30.0]
    day = HubSpotApiError(477, {"status": "error"}, {"Retry-After": "86400"})
    with pytest.raises(RetriableError, match="477"):
        _http(StubClient(day), Clock()).json("owners", "GET", "/crm/v3/owners")


def test_the_per_second_limit_follows_the_secondly_header() -> None:
    clock = Clock()
    limiter = RateLimiter(100, 4, clock, clock.sleep)
    limiter.observe({"X-HubSpot-RateLimit-Secondly": "20"})
    sent = []
    for _ in range(60):
        limiter.acquire()
        sent.append(clock.now)
        clock.now += 0.001
    busiest = max(sum(1 for t in sent if start <= t < start + 1) for start in sent)
    assert busiest == 18  # 90% of 20


def test_searches_and_association_reads_stay_out_of_the_ten_second_window() -> None:
    clock = Clock()
    limiter = RateLimiter(100, 5, clock, clock.sleep)
    for _ in range(200):
        limiter.acquire("exempt")
        limiter.acquire("search")
    assert len(limiter.general.sent) == 0


def test_the_daily_limit_stops_at_once_with_a_clear_message() -> None:
    clock = Clock()
    client = StubClient(HubSpotApiError(429, DAILY, {"X-HubSpot-RateLimit-Daily": "250000"}))
    with pytest.raises(FatalConnectorError, match="daily API limit reached") as caught:
        _http(client, clock).json("search_deals", "POST", "/crm/v3/objects/deals/search")
    assert "midnight" in str(caught.value)
    assert clock.sleeps == []
    assert len(client.sent) == 1


def test_server_errors_are_retried_within_the_attempt_bound() -> None:
    clock = Clock()
    client = StubClient(*(HubSpotApiError(503, {"message": "unavailable"}) for _ in range(6)))
    with pytest.raises(RetriableError, match="4 attempt"):
        _http(client, clock).json("list_contacts", "GET", "/crm/v3/objects/contacts")
    assert len(client.sent) == 4
    assert len(clock.sleeps) == 3


def test_retries_stop_at_the_total_time_bound() -> None:
    clock = Clock()
    policy = RetryPolicy(max_attempts=20, max_seconds=25, sleep=clock.sleep)

    def always() -> None:
        raise TransientError("busy", wait=10)

    with pytest.raises(RetriableError):
        policy.run("search_deals", always)
    assert clock.sleeps == [10, 10]


def test_connection_failures_surface_from_urllib3_and_are_retried() -> None:
    clock = Clock()
    refused = urllib3.exceptions.MaxRetryError(
        None, "/crm/v3/owners", urllib3.exceptions.NewConnectionError(None, "refused")
    )
    read = urllib3.exceptions.ReadTimeoutError(None, "/crm/v3/owners", "read timed out")
    client = StubClient(refused, read, {"results": []})
    assert _http(client, clock).json("owners", "GET", "/crm/v3/owners") == {"results": []}
    assert len(clock.sleeps) == 2


def test_a_create_is_resent_after_a_429_or_refused_connection_but_not_after_a_timeout() -> None:
    clock = Clock()
    refused = urllib3.exceptions.MaxRetryError(
        None, "/x", urllib3.exceptions.NewConnectionError(None, "refused")
    )
    client = StubClient(HubSpotApiError(429, TEN_SECONDLY), refused, {"results": []})
    http = _http(client, clock)
    http.json("tasks_create", "POST", "/crm/v3/objects/tasks/batch/create", idempotent=False)
    assert len(client.sent) == 3
    for failure in (
        urllib3.exceptions.ReadTimeoutError(None, "/x", "read timed out"),
        HubSpotApiError(500, {"message": "internal error"}),
    ):
        client.answers = [failure]
        with pytest.raises(OutcomeUnknownError):
            http.json(
                "tasks_create", "POST", "/crm/v3/objects/tasks/batch/create", idempotent=False
            )


def test_client_errors_carry_category_and_message_and_are_not_retried() -> None:
    clock = Clock()
    body = {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": 'Property "kam_segmnt" does not exist',
    }
    with pytest.raises(ApiError) as caught:
        _http(StubClient(HubSpotApiError(400, body)), clock).json("x", "GET", "/x")
    assert caught.value.category == "VALIDATION_ERROR"
    assert "kam_segmnt" in str(caught.value)
    assert clock.sleeps == []


def test_a_refused_token_is_fatal_and_names_the_variable_not_the_token() -> None:
    clock = Clock()
    client = StubClient(
        HubSpotApiError(
            401,
            {
                "category": "INVALID_AUTHENTICATION",
                "message": "Authentication credentials not found",
            },
        )
    )
    with pytest.raises(FatalConnectorError, match="HUBSPOT_ACCESS_TOKEN"):
        _http(client, clock).json("list_companies", "GET", "/crm/v3/objects/companies")


def test_every_answer_updates_the_daily_allowance() -> None:
    clock = Clock()
    client = StubClient(
        {"results": []},
        headers={
            "X-HubSpot-RateLimit-Daily": "250000",
            "X-HubSpot-RateLimit-Daily-Remaining": "12",
        },
    )
    http = _http(client, clock)
    http.json("owners", "GET", "/crm/v3/owners")
    assert http.usage.remaining == 12


def test_the_library_client_has_urllib3_retries_switched_off() -> None:
    client = make_api_client(HubSpotSection(host="http://127.0.0.1:9"), "pat-test-token")
    retries = client.configuration.retries
    assert retries.total == 0
    assert client.configuration.host == "http://127.0.0.1:9"
