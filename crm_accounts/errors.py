"""The exception tree of crm-accounts; no I/O.

Every error the product raises on purpose derives from :class:`CrmAccountsError` and is split by
what the caller should do about it::

    CrmAccountsError
     +-- UsageError                 bad usage, configuration or input: exit 2, nothing written
     |    +-- ConfigError           a config key has a bad value (names the key and the value)
     |    +-- InputDataError        source records break the contract (lists every file:line)
     +-- ConnectorError             talking to a CRM failed
     |    +-- RetriableError        transient: the retry layer tries again
     |    +-- FatalConnectorError   do not retry (auth refused, daily API allowance exhausted)
     +-- RecordRejectedError             one record was refused: skipped, reported, counted, exit 1

Messages always name the file, line, key, account or record, and the offending value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "ConnectorError",
    "CrmAccountsError",
    "FatalConnectorError",
    "InputDataError",
    "InputProblem",
    "RecordRejectedError",
    "RetriableError",
    "UsageError",
]


class CrmAccountsError(Exception):
    """Root of every error crm-accounts raises on purpose."""


class UsageError(CrmAccountsError):
    """Bad usage, configuration or input data: exit code 2 and nothing is written."""


class ConfigError(UsageError):
    """A configuration value is invalid; the message names the key and the value."""


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One offending place in the input: ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class InputDataError(UsageError):
    """Source records break the contract. Carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[InputProblem], *, limit: int = 200) -> None:
        self.problems = tuple(problems)
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problems")
        super().__init__(f"{len(self.problems)} problem(s) in the input data:\n" + "\n".join(shown))


class ConnectorError(CrmAccountsError):
    """Talking to a CRM or a file source failed."""


class RetriableError(ConnectorError):
    """A transient failure (timeout, 5xx, lock contention) that a bounded retry may cure."""


class FatalConnectorError(ConnectorError):
    """A failure that retrying cannot cure: credentials refused, API allowance exhausted."""


class RecordRejectedError(CrmAccountsError):
    """The CRM refused one record; the run goes on, reports it and ends with exit code 1."""

    def __init__(self, record_id: str, message: str) -> None:
        self.record_id = record_id
        super().__init__(f"record {record_id}: {message}")
