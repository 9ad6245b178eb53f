"""The exception tree of crm-accounts; no I/O.

Every error the product raises on purpose derives from :class:`CrmAccountsError` and is split by
what the caller should do about it (a record the CRM refuses is an outcome, not an error: the
run goes on, reports it and exits 1)::

    CrmAccountsError
     +-- UsageError                 fix the input: bad usage, configuration or data; exit 2
     |    +-- ConfigError           a config key has a bad value (names the key and the value)
     |    +-- InputDataError        source records break the contract (lists every file:line)
     +-- TemporaryError             retry later: the cause passes by itself; exit 3
     |    +-- LockHeldError         another run works on the same source (runlock.py)
     |    +-- SourceChangedError    a source file changed while the run was writing it
     +-- ConnectorError             talking to a CRM failed; after the bounded retries, exit 3
          +-- RetriableError        transient: the retry layer tries again
          +-- FatalConnectorError   do not retry (auth refused, daily API allowance exhausted)

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
    "Interrupted",
    "RetriableError",
    "SourceChangedError",
    "TemporaryError",
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


class TemporaryError(CrmAccountsError):
    """The run could not start or finish for a reason that passes by itself: exit code 3.

    Whatever was written is in the run log; running again later is the remedy.
    """


class SourceChangedError(TemporaryError):
    """A source file changed between reading and rewriting it; the rewrite was refused."""


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM arrived: the run stops where it is and is logged as ``interrupted``.

    A ``BaseException``, so that no ``except Exception`` swallows it.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"signal {signum}")
