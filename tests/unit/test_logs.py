"""Logging: text and JSON lines, idempotent setup, and secrets that never reach the output."""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.errors import UsageError
from crm_accounts.logs import (
    SecretRedactor,
    configure_logging,
    is_secret_name,
    log_event,
    redact,
    reset_logging,
)

SECRET = "s3cr3t-Value-9f8e7d"
SECRET_VAR = "CRM_ACCOUNTS_TEST_API_TOKEN"


@pytest.fixture(autouse=True)
def _hermetic_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No secret-named variable of the machine running the tests; logging reset afterwards."""
    for name in list(os.environ):
        if is_secret_name(name):
            monkeypatch.delenv(name)
    reset_logging()
    yield
    reset_logging()


@pytest.fixture
def log() -> logging.Logger:
    return logging.getLogger("crm_accounts.sync")


def _json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _raise(message: str) -> None:
    raise ValueError(message)


# --- formats -------------------------------------------------------------------------------------


def test_json_lines_parse_and_carry_the_fixed_keys_and_the_fields(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out)

    log_event(log, "sync.finished", "sync finished", accounts=812, revenue=Decimal("40.00"))
    log_event(log, "sync.record_failed", "task refused", level=logging.WARNING, account="acme")

    first, second = _json_lines(out)
    assert first["level"] == "info"
    assert first["logger"] == "crm_accounts.sync"
    assert first["event"] == "sync.finished"
    assert first["message"] == "sync finished"
    assert first["accounts"] == 812
    assert first["revenue"] == "40.00"
    assert second["level"] == "warning"
    assert second["account"] == "acme"


def test_json_timestamp_is_utc_iso_8601_with_milliseconds(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out)

    log.info("tick")

    (line,) = _json_lines(out)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])


def test_values_that_are_not_json_are_written_with_str(log: logging.Logger) -> None:
    class Money:
        def __str__(self) -> str:
            return "EUR 12.50"

    out = io.StringIO()
    configure_logging("json", out)

    log_event(log, "x", "odd values", money=Money(), ids=("a", "b"), keys={1: {2}})

    (line,) = _json_lines(out)
    assert line["money"] == "EUR 12.50"
    assert line["ids"] == ["a", "b"]
    assert line["keys"] == {"1": [2]}


def test_a_field_named_like_a_fixed_key_does_not_replace_it(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out)

    log_event(log, "sync.finished", "the real message", message="a field", ts="later")

    (line,) = _json_lines(out)
    assert line["message"] == "the real message"
    assert line["field_message"] == "a field"
    assert line["field_ts"] == "later"


def test_a_plain_log_call_gets_the_default_event(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out)

    log.warning("%d accounts skipped", 3)

    (line,) = _json_lines(out)
    assert line["event"] == "log"
    assert line["message"] == "3 accounts skipped"


def test_an_exception_is_a_type_and_a_message_without_traceback(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out)

    try:
        _raise("account acme: no revenue")
    except ValueError:
        log.exception("run failed")

    (line,) = _json_lines(out)
    assert line["exc_type"] == "ValueError"
    assert line["exc_message"] == "account acme: no revenue"
    assert "traceback" not in line
    assert "Traceback" not in out.getvalue()


def test_at_debug_level_the_json_line_also_holds_the_traceback(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out, level=logging.DEBUG)

    try:
        _raise("boom")
    except ValueError:
        log.exception("run failed")

    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert "Traceback" in json.loads(lines[0])["traceback"]


def test_text_lines_are_time_level_message_then_key_value_pairs(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("text", out)

    log_event(log, "sync.finished", "sync finished", accounts=812, note="two words", ok=True)

    line = out.getvalue().rstrip("\n")
    assert re.fullmatch(
        r'\d\d:\d\d:\d\d info +sync finished accounts=812 note="two words" ok=true', line
    )


def test_text_lines_show_an_exception_on_the_same_line(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("text", out)

    try:
        _raise("boom")
    except ValueError:
        log.exception("run failed")

    assert out.getvalue().rstrip("\n").endswith("run failed exc_type=ValueError exc_message=boom")
    assert len(out.getvalue().splitlines()) == 1


def test_records_below_the_level_are_not_written(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out, level=logging.WARNING)

    log.info("quiet")
    log.warning("loud")

    assert [line["message"] for line in _json_lines(out)] == ["loud"]


def test_configuring_twice_writes_each_record_once_in_the_last_format(
    log: logging.Logger,
) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("text", first)
    configure_logging("json", second)

    log.info("once")

    assert first.getvalue() == ""
    assert [line["message"] for line in _json_lines(second)] == ["once"]
    assert len(logging.getLogger("crm_accounts").handlers) == 1


def test_the_package_logger_does_not_propagate_to_the_root_logger(
    log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("json", io.StringIO())

    log.info("not for the root logger")

    assert logging.getLogger("crm_accounts").propagate is False
    assert caplog.records == []


def test_an_unknown_log_format_is_a_usage_error_naming_the_option_and_value() -> None:
    with pytest.raises(UsageError, match=r"--log-format.*'yaml'"):
        configure_logging("yaml", io.StringIO())


# --- secrets -------------------------------------------------------------------------------------


def test_a_secret_from_the_environment_never_appears_in_the_message(
    monkeypatch: pytest.MonkeyPatch, log: logging.Logger
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    out = io.StringIO()
    configure_logging("json", out)

    log.info("connecting with %s", SECRET)
    log_event(log, "auth", f"token={SECRET}; retrying")

    assert SECRET not in out.getvalue()
    assert [line["message"] for line in _json_lines(out)] == [
        "connecting with ***",
        "token=***; retrying",
    ]


def test_a_secret_never_appears_in_nested_extra_fields(
    monkeypatch: pytest.MonkeyPatch, log: logging.Logger
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    out = io.StringIO()
    configure_logging("json", out)

    log_event(
        log,
        "request",
        "calling the CRM",
        headers={"Authorization": f"X {SECRET}", "nested": [{"deep": f"..{SECRET}.."}]},
    )
    log.info("plain call", extra={"fields": {f"key_{SECRET}": ("value", SECRET)}})

    assert SECRET not in out.getvalue()
    first, second = _json_lines(out)
    assert first["headers"] == {"Authorization": "X ***", "nested": [{"deep": "..***.."}]}
    assert second["key_***"] == ["value", "***"]


def test_a_secret_never_appears_in_an_exception_message_or_traceback(
    monkeypatch: pytest.MonkeyPatch, log: logging.Logger
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    out = io.StringIO()
    configure_logging("json", out, level=logging.DEBUG)

    try:
        try:
            _raise(f"login refused for {SECRET}")
        except ValueError as inner:
            raise RuntimeError(f"wrapped {SECRET}") from inner
    except RuntimeError:
        log.exception("run failed")

    assert SECRET not in out.getvalue()
    (line,) = _json_lines(out)
    assert line["exc_message"] == "wrapped ***"
    assert "login refused for ***" in line["traceback"]


def test_a_secret_never_appears_in_the_text_format(
    monkeypatch: pytest.MonkeyPatch, log: logging.Logger
) -> None:
    monkeypatch.setenv("SALESFORCE_PASSWORD", SECRET)
    out = io.StringIO()
    configure_logging("text", out)

    log_event(log, "auth", f"password {SECRET}", user={"pw": SECRET})
    try:
        _raise(SECRET)
    except ValueError:
        log.exception("failed")

    assert SECRET not in out.getvalue()
    assert out.getvalue().count("***") == 3


def test_a_record_from_any_child_logger_is_scrubbed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_KEY", SECRET)
    out = io.StringIO()
    configure_logging("json", out)

    logging.getLogger("crm_accounts.connectors.hubspot.client").error(
        "got %r", {"key": SECRET}, extra={"detail": SECRET}
    )

    assert SECRET not in out.getvalue()


def test_a_short_value_is_not_treated_as_a_secret(
    monkeypatch: pytest.MonkeyPatch, log: logging.Logger
) -> None:
    monkeypatch.setenv("CRM_ACCOUNTS_TEST_VERIFY_TOKEN", "true")
    monkeypatch.setenv("CRM_ACCOUNTS_TEST_SECRET", "  12345  ")
    out = io.StringIO()
    configure_logging("json", out)

    log_event(log, "x", "gatekeeper is true", code="12345")

    (line,) = _json_lines(out)
    assert line["message"] == "gatekeeper is true"
    assert line["code"] == "12345"


def test_a_variable_whose_name_is_not_secret_is_not_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRM_ACCOUNTS_TEST_REGION", "eu-west-1-long")

    assert redact("region eu-west-1-long") == "region eu-west-1-long"


@pytest.mark.parametrize(
    "name",
    ["GITHUB_TOKEN", "sf_client_secret", "DB_PASSWD", "SF_PRIVATE_KEY", "AWS_ACCESS_KEY_ID",
     "HUBSPOT_API_KEY", "GOOGLE_CREDENTIALS", "SF_SESSION_ID", "APP_CLIENT_KEY", "PASSWORD"],
)  # fmt: skip
def test_secret_names_are_recognised_in_any_case(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["HOME", "PATH", "CRM_ACCOUNTS_CONFIG", "SF_USERNAME"])
def test_ordinary_names_are_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc-def_ghi",
         "Authorization: Bearer ***"),
        ("Cookie: sid=00D5g000004XyZa!AQ0AQH4.kjh; other=1", "Cookie: sid=***; other=1"),
        ("session 00D5g000004XyZaEAA!AQ0AQH4kjhGFDSA.x expired", "session *** expired"),
        ('{"access_token": "ya29.a0Af", "token_type": "Bearer"}',
         '{"access_token": "***", "token_type": "Bearer"}'),
        ('{"refresh_token":"5Aep861\\"x","scope":"api"}', '{"refresh_token":"***","scope":"api"}'),
        ("{'client_secret': 'F00BAR99'}", "{'client_secret': '***'}"),
        ("POST /token?grant_type=refresh_token&client_secret=abc123&refresh_token=r1",
         "POST /token?grant_type=refresh_token&client_secret=***&refresh_token=***"),
        ("https://x.my.salesforce.com/#access_token=00Dabc&instance_url=https",
         "https://x.my.salesforce.com/#access_token=***&instance_url=https"),
    ],
)  # fmt: skip
def test_token_shaped_secrets_are_redacted_without_being_in_the_environment(
    text: str, expected: str
) -> None:
    assert redact(text) == expected


def test_prose_that_only_looks_like_a_token_is_left_alone() -> None:
    text = "the bearer of bad news; consider=yes; access_token missing"

    assert redact(text) == text


def test_token_shaped_secrets_are_redacted_in_log_records(log: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging("json", out)

    log_event(log, "http", "GET /query", headers={"Authorization": "Bearer abcdefghijklmnop"})

    (line,) = _json_lines(out)
    assert line["headers"] == {"Authorization": "Bearer ***"}


def test_redact_uses_the_environment_when_logging_is_not_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)

    assert redact(f"error: {SECRET} refused") == "error: *** refused"


def test_redact_uses_the_secrets_read_by_the_last_configure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    configure_logging("text", io.StringIO())
    monkeypatch.delenv(SECRET_VAR)

    assert redact(f"error: {SECRET}") == "error: ***"


def test_a_longer_secret_that_contains_a_shorter_one_is_redacted_whole() -> None:
    redactor = SecretRedactor(["abcdef", "abcdef-and-more"])

    assert redactor.redact("x abcdef-and-more y abcdef") == "x *** y ***"


def test_a_replacement_cannot_join_its_neighbours_into_the_secret() -> None:
    redactor = SecretRedactor(["a***bc"])

    assert "a***bc" not in redactor.redact("aa***bcbc")


# --- property -----------------------------------------------------------------------------------

_printable = st.characters(categories=("L", "N", "P", "S", "Zs"))
_secrets = st.text(_printable, min_size=6, max_size=40).filter(lambda s: s.strip() == s)


@settings(max_examples=150, deadline=None)
@given(
    secret=_secrets,
    before=st.text(_printable, max_size=30),
    after=st.text(_printable, max_size=30),
    log_format=st.sampled_from(["json", "text"]),
    place=st.sampled_from(["message", "field", "nested", "exception"]),
)
def test_a_random_secret_embedded_in_a_random_message_never_reaches_the_output(
    secret: str, before: str, after: str, log_format: str, place: str
) -> None:
    text = before + secret + after
    out = io.StringIO()
    log = logging.getLogger("crm_accounts.property")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(SECRET_VAR, secret)
        configure_logging(log_format, out)
    if place == "message":
        log.info(text)
    elif place == "field":
        log_event(log, "x", "m", value=text)
    elif place == "nested":
        log_event(log, "x", "m", value={"a": [before, {"b": text}]})
    else:
        try:
            _raise(text)
        except ValueError:
            log.exception("failed")

    assert secret not in out.getvalue()
    if log_format == "json":
        assert len(_json_lines(out)) == 1
