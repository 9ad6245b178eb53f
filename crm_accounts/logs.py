"""Logging for unattended runs: text or JSON lines, with secrets scrubbed; writes to a stream.

:func:`configure_logging` sets up the ``crm_accounts`` logger (never the root logger, so a host
application's logging is left alone). Every record that reaches its handler passes through a
:class:`SecretRedactor` first, so no message, extra field, exception or traceback can print a
secret. Other code that writes text somewhere (error messages, the run log, exports) calls
:func:`redact` before writing.

What counts as a secret:

- the value (at least 6 characters after trimming spaces) of every environment variable whose name
  contains ``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD``, ``PRIVATE_KEY``, ``API_KEY``,
  ``CLIENT_KEY``, ``ACCESS_KEY``, ``CREDENTIAL`` or ``SESSION_ID`` (any case), read when logging is
  configured. Shorter values (``true``, ``1``) would mask ordinary words everywhere, so they are
  not secrets;
- wherever they appear, even when not in the environment: ``Bearer <token>``, a ``sid=`` cookie, a
  Salesforce session id (``00D...!...``) and the values of ``access_token``, ``refresh_token``,
  ``id_token`` and ``client_secret`` in JSON, Python reprs and query strings.

Each is replaced by ``***``. Records of other loggers (HTTP libraries, vendor SDKs) do not pass
through this handler; connectors must not enable their debug logging without the same filter.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import sys
import time
import traceback
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TextIO, TypeAlias

from .errors import UsageError

__all__ = [
    "LOGGER_NAME",
    "LOG_FORMATS",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SecretRedactor",
    "active_format",
    "configure_logging",
    "is_secret_name",
    "log_event",
    "redact",
    "reset_logging",
    "secrets_from_environment",
]

LOGGER_NAME = "crm_accounts"
LOG_FORMATS = ("text", "json")
REDACTED = "***"
MIN_SECRET_LENGTH = 6
DEFAULT_EVENT = "log"

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|CLIENT_KEY|ACCESS_KEY|CREDENTIAL|SESSION_ID",
    re.IGNORECASE,
)

# Secrets recognisable by their shape. Each pattern keeps its prefix (group "keep") and replaces
# the rest, so the scrubbed text still says what was there.
_BEARER = re.compile(r"(?P<keep>\bBearer\s+)[A-Za-z0-9\-._~+/]{8,}=*", re.IGNORECASE)
_SID_COOKIE = re.compile(r"(?P<keep>(?<![A-Za-z0-9_])sid=)[^;,&\s\"']+", re.IGNORECASE)
# Salesforce session ids and access tokens: the 15-character org id, "!", then the token.
_SALESFORCE_SESSION = re.compile(r"\b00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?![A-Za-z0-9._\-]+")
_TOKEN_KEY = re.compile(
    r"(?P<keep>(?<![A-Za-z0-9_])[\"']?(?:access_token|refresh_token|id_token|client_secret)"
    r"[\"']?\s*[:=]\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s&,;\"'}\]]+)",
    re.IGNORECASE,
)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName"}
# Set by the filter; read by the formatters. Prefixed so they cannot clash with ``extra`` keys.
_EXC_TYPE = "crm_exc_type"
_EXC_MESSAGE = "crm_exc_message"
_OWN_ATTRIBUTES = frozenset({_EXC_TYPE, _EXC_MESSAGE})
_JSON_RESERVED = frozenset(
    {"ts", "level", "logger", "event", "message", "exc_type", "exc_message", "traceback"}
)

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


def is_secret_name(name: str) -> bool:
    """Whether an environment variable of this name holds a secret (by name alone)."""
    return _SECRET_NAME.search(name) is not None


def secrets_from_environment(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The secret values in ``environ`` (default ``os.environ``), trimmed, longest first.

    Values shorter than :data:`MIN_SECRET_LENGTH` after trimming are skipped.
    """
    env = os.environ if environ is None else environ
    return _usable_secrets(value for name, value in env.items() if is_secret_name(name))


def _usable_secrets(values: Iterable[str]) -> tuple[str, ...]:
    kept = {v.strip() for v in values if len(v.strip()) >= MIN_SECRET_LENGTH}
    # Longest first: when one secret contains another, the whole of the longer one goes.
    return tuple(sorted(kept, key=lambda v: (-len(v), v)))


def _replace_keeping_prefix(match: re.Match[str]) -> str:
    return match.group("keep") + REDACTED


def _replace_token_value(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[0] in "\"'" else ""
    return match.group("keep") + quote + REDACTED + quote


class SecretRedactor(logging.Filter):
    """A logging filter that scrubs secrets from every record it passes; also a text scrubber.

    Args:
        secrets: the secret values; values shorter than :data:`MIN_SECRET_LENGTH` after trimming
            are ignored. Use :meth:`from_environment` for the values in the environment.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = _usable_secrets(secrets)
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in self._secrets)) if self._secrets else None
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SecretRedactor:
        """A redactor for the secret values in ``environ`` (default ``os.environ``)."""
        return cls(secrets_from_environment(environ))

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values this redactor replaces, longest first."""
        return self._secrets

    def contains_secret(self, text: str) -> bool:
        """Whether ``text`` contains one of the known secret values."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def redact(self, text: str) -> str:
        """``text`` with every known secret and every token-shaped secret replaced by ``***``."""
        if self._pattern is not None:
            # Repeat until stable: a replacement can join its neighbours into a new occurrence
            # (secret "a***bc" inside "aa***bcbc"). Every pass shortens the text, so this ends.
            while True:
                scrubbed = self._pattern.sub(REDACTED, text)
                if scrubbed == text:
                    break
                text = scrubbed
        text = _BEARER.sub(_replace_keeping_prefix, text)
        text = _SID_COOKIE.sub(_replace_keeping_prefix, text)
        text = _SALESFORCE_SESSION.sub(REDACTED, text)
        return _TOKEN_KEY.sub(_replace_token_value, text)

    def redact_value(self, value: object) -> JsonValue:
        """A JSON-ready copy of ``value`` with secrets scrubbed, recursing into dicts and lists.

        Strings are scrubbed; dict keys become scrubbed strings; tuples and sets become lists;
        dates are written ISO; anything else not JSON-serialisable (a Decimal, a Path) becomes its
        scrubbed ``str``. A number whose digits contain a secret becomes a scrubbed string.
        """
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, int | float):
            text = repr(value)
            if isinstance(value, float) and not math.isfinite(value):
                return text  # NaN and Infinity are not JSON
            scrubbed = self.redact(text)
            return value if scrubbed == text else scrubbed
        if isinstance(value, Mapping):
            return {self.redact(str(k)): self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.redact_value(v) for v in value]
        if isinstance(value, datetime | date):
            return self.redact(value.isoformat())
        try:
            text = str(value)
        except Exception:  # a broken __str__ must not break logging
            text = f"<unprintable {type(value).__name__}>"
        return self.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place (message, extras, exception, stack); never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # mismatched %-arguments: keep everything, scrubbed
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        for name, value in list(record.__dict__.items()):
            if name in _OWN_ATTRIBUTES:
                if isinstance(value, str):
                    setattr(record, name, self.redact(value))
            elif name not in _STANDARD_ATTRIBUTES:
                setattr(record, name, self.redact_value(value))
        if record.exc_info is not None:
            exc_type, exc, _tb = record.exc_info
            if exc_type is not None:
                setattr(record, _EXC_TYPE, exc_type.__name__)
                setattr(record, _EXC_MESSAGE, self.redact(_safe_str(exc)))
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            # Formatters only see the scrubbed text from here on, never the exception object.
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _fields(record: logging.LogRecord) -> dict[str, JsonValue]:
    fields = getattr(record, "fields", None)
    return dict(fields) if isinstance(fields, dict) else {}


def _event(record: logging.LogRecord) -> str:
    event = getattr(record, "event", None)
    return DEFAULT_EVENT if event is None else str(event)


class _JsonFormatter(logging.Formatter):
    """One JSON object per line; the record was scrubbed by :class:`SecretRedactor` already."""

    def __init__(self, redactor: SecretRedactor, include_traceback: bool) -> None:
        super().__init__()
        self._redactor = redactor
        self._include_traceback = include_traceback

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        document: dict[str, JsonValue] = {
            "ts": ts.replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _event(record),
            "message": record.getMessage(),
        }
        for key, value in _fields(record).items():
            name = key
            while name in _JSON_RESERVED or name in document:
                name = f"field_{name}"
            document[name] = value
        exc_type = getattr(record, _EXC_TYPE, None)
        if exc_type is not None:
            document["exc_type"] = exc_type
            document["exc_message"] = getattr(record, _EXC_MESSAGE, "")
        if self._include_traceback and record.exc_text:
            document["traceback"] = record.exc_text
        if self._include_traceback and record.stack_info:
            document["stack"] = record.stack_info
        line = json.dumps(document, ensure_ascii=False, default=str)
        return self._final_check(line, document)

    def _final_check(self, line: str, document: dict[str, JsonValue]) -> str:
        # JSON escaping can spell a secret that the scrubbed values did not contain (a secret
        # with a backslash or a quote). Rare; scrub the line, and if that breaks the JSON, keep
        # only the fields that cannot hold one.
        if not self._redactor.contains_secret(line):
            return line
        scrubbed = self._redactor.redact(line)
        try:
            json.loads(scrubbed)
        except ValueError:
            safe = {k: document[k] for k in ("ts", "level", "logger")}
            safe["event"] = DEFAULT_EVENT
            safe["message"] = f"{REDACTED} (log line withheld: it matched a secret once encoded)"
            return json.dumps(safe, ensure_ascii=False)
        return scrubbed


_PLAIN_VALUE = re.compile(r"[^\s\"'=\\]+")


def _text_value(value: JsonValue) -> str:
    if isinstance(value, str):
        return value if _PLAIN_VALUE.fullmatch(value) else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class _TextFormatter(logging.Formatter):
    """``HH:MM:SS level message key=value ...`` in local time, for people reading a terminal."""

    def __init__(self, redactor: SecretRedactor, include_traceback: bool) -> None:
        super().__init__()
        self._redactor = redactor
        self._include_traceback = include_traceback

    def format(self, record: logging.LogRecord) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(record.created))
        parts = [clock, f"{record.levelname.lower():<7}", record.getMessage()]
        items = list(_fields(record).items())
        exc_type = getattr(record, _EXC_TYPE, None)
        if exc_type is not None:
            items += [("exc_type", exc_type), ("exc_message", getattr(record, _EXC_MESSAGE, ""))]
        parts += [f"{key}={_text_value(value)}" for key, value in items]
        line = " ".join(parts)
        if self._include_traceback and record.exc_text:
            line += "\n" + record.exc_text
        if self._include_traceback and record.stack_info:
            line += "\n" + record.stack_info
        # No structure to break here, so a final pass costs nothing and closes the escaping gap.
        return self._redactor.redact(line)


class _Handler(logging.StreamHandler[TextIO]):
    """The handler :func:`configure_logging` installs; its type marks it for replacement."""


_active: SecretRedactor | None = None
_format: str | None = None


def active_format() -> str | None:
    """The ``log_format`` of the last :func:`configure_logging`, ``None`` when not configured."""
    return _format


def configure_logging(
    log_format: str, stream: TextIO | None = None, level: int = logging.INFO
) -> None:
    """Send the ``crm_accounts`` logger's records to ``stream`` as text or JSON lines.

    Idempotent: a second call replaces the handler of the first. The logger does not propagate
    to the root logger. Secret values are read from the environment now (see the module
    docstring) and scrubbed from every record.

    Args:
        log_format: ``"text"`` (``HH:MM:SS level message key=value ...``) or ``"json"`` (one
            object per line: ``ts``, ``level``, ``logger``, ``event``, ``message``, the fields,
            ``exc_type`` and ``exc_message``).
        stream: where to write; default ``sys.stderr``.
        level: the lowest level written. At ``logging.DEBUG`` tracebacks are included.

    Raises:
        UsageError: ``log_format`` is neither ``"text"`` nor ``"json"``.
    """
    global _active, _format
    if log_format not in LOG_FORMATS:
        raise UsageError(
            f"option --log-format: value {log_format!r} is not one of {', '.join(LOG_FORMATS)}"
        )
    redactor = SecretRedactor.from_environment()
    include_traceback = level <= logging.DEBUG
    formatter: logging.Formatter = (
        _JsonFormatter(redactor, include_traceback)
        if log_format == "json"
        else _TextFormatter(redactor, include_traceback)
    )
    handler = _Handler(sys.stderr if stream is None else stream)
    handler.addFilter(redactor)
    handler.setFormatter(formatter)
    logger = logging.getLogger(LOGGER_NAME)
    _remove_own_handlers(logger)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    _active = redactor
    _format = log_format


def reset_logging() -> None:
    """Undo :func:`configure_logging`: remove its handler, propagate again, forget the secrets.

    For tests and for hosts that run the CLI in-process more than once.
    """
    global _active, _format
    logger = logging.getLogger(LOGGER_NAME)
    _remove_own_handlers(logger)
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
    _active = None
    _format = None


def _remove_own_handlers(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        if isinstance(handler, _Handler):
            logger.removeHandler(handler)
            with contextlib.suppress(ValueError, OSError):  # the stream may be closed already
                handler.flush()
            handler.close()  # a StreamHandler leaves its stream open


def log_event(
    logger: logging.Logger,
    event: str,
    message: str,
    /,
    level: int = logging.INFO,
    **fields: object,
) -> None:
    """Log ``message`` as ``event`` with ``fields`` (``extra={"event": ..., "fields": ...}``).

    In JSON the fields become top-level keys; a field named like a fixed key (``ts``, ``level``,
    ``logger``, ``event``, ``message``, ``exc_type``, ``exc_message``, ``traceback``) is written
    as ``field_<name>``. The message is not %-formatted.
    """
    logger.log(level, message, extra={"event": event, "fields": fields}, stacklevel=2)


def redact(text: str) -> str:
    """``text`` with secrets replaced by ``***``, for anything written outside the logger.

    Uses the secrets read by the last :func:`configure_logging`, or the current environment when
    logging is not configured.
    """
    redactor = _active if _active is not None else SecretRedactor.from_environment()
    return redactor.redact(text)
