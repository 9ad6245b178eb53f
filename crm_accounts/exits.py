"""Exit codes by what the caller does, signals, and the last error line. Writes to stderr.

| code | meaning | the caller |
|---|---|---|
| 0 | success | nothing |
| 1 | the run finished, some records were refused (listed) | nothing urgent |
| 2 | bad usage, configuration, input data or file-system state | fixes the input |
| 3 | temporary: source busy, a file changed meanwhile, CRM unreachable, disk full | runs again |
| 130 / 143 | interrupted by Ctrl-C / SIGTERM (logged as ``interrupted``) | runs again |

No error reaches the user as a traceback: the last line names what went wrong, as plain text or,
with ``--log-format json``, as one JSON object like every other stderr line.
"""

from __future__ import annotations

import errno
import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, Final

from .errors import ConnectorError, FatalConnectorError, Interrupted, TemporaryError, UsageError
from .logs import active_format, log_event, redact

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_PARTIAL",
    "EXIT_TEMPORARY",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "run_cli",
]

EXIT_PARTIAL: Final = 1
EXIT_USAGE: Final = 2
EXIT_TEMPORARY: Final = 3
EXIT_INTERRUPTED: Final = 130
EXIT_TERMINATED: Final = 143
#: OS errors that pass by themselves (a full disk is freed, a busy file released).
_TEMPORARY_ERRNOS: Final = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.EIO}
)
_logger = logging.getLogger("crm_accounts")


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


def _report(message: str, code: int) -> int:
    text = redact(message)
    if active_format() == "json":
        log_event(_logger, "error", text, level=logging.ERROR, exit_code=code)
    else:
        sys.stderr.write(f"error: {text}\n")
    return code


def _os_error(exc: OSError) -> int:
    where = f" {exc.filename!s}" if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno in _TEMPORARY_ERRNOS:
        return _report(f"cannot write{where}: {reason}; free space or wait, then run again", 3)
    return _report(f"file system:{where}: {reason}", EXIT_USAGE)


def run_cli(app: Callable[..., Any]) -> int:
    """Run the Typer ``app`` and turn whatever ends it into an exit code and one message.

    Typer reports bad arguments itself (exit code 2) and ends with ``SystemExit``, which passes
    through; SIGINT and SIGTERM raise :class:`~crm_accounts.errors.Interrupted` wherever the
    run is, so it stops there and is logged as ``interrupted``.
    """
    handlers = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        app()
        return 0
    except Interrupted as exc:
        if exc.signum == signal.SIGTERM:
            return _report("stopped by SIGTERM; run again to complete the work", EXIT_TERMINATED)
        return _report("interrupted (Ctrl-C); run again to complete the work", EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        return _report("interrupted; run again to complete the work", EXIT_INTERRUPTED)
    except UsageError as exc:
        return _report(str(exc), EXIT_USAGE)
    except TemporaryError as exc:
        return _report(str(exc), EXIT_TEMPORARY)
    except FatalConnectorError as exc:  # credentials refused, API allowance too small
        return _report(str(exc), EXIT_USAGE)
    except ConnectorError as exc:  # retries exhausted: whatever was written is in the run log
        return _report(f"{exc}; run again later to complete the sync", EXIT_TEMPORARY)
    except OSError as exc:  # a file-system state no check foresaw
        return _os_error(exc)
    except RecursionError:
        return _report("the input is nested too deeply to be read", EXIT_USAGE)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
