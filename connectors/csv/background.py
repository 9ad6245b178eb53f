"""Read revenue.csv in a second process while the caller reads the other files. Forks.

Once accounts.csv is read, revenue.csv depends on nothing else, and its result is small (a few
figures per account) while reading it is a quarter of the reading time. So on a machine with a
second core, :class:`CsvSource` forks a child that reads and sums revenue.csv exactly as the
caller would (same checks, same :func:`~crm_accounts.domain.revenue.summarize_revenue`) and
pickles back the summary and the problems it found; the caller slots those problems in where
reading revenue.csv in turn would have put them, so the folder's problem list is the same.

Anything unusual makes the caller read the file itself, with the same outcome: no ``fork`` on
the platform, other threads running (a forked child would inherit their locks), or the child
failing in any way. The child dies with its parent (``PR_SET_PDEATHSIG`` on Linux), and a caller
that gives up on it kills and reaps it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import BinaryIO

from crm_accounts.domain.revenue import RevenueSummary
from crm_accounts.errors import InputProblem

from .files import Problems

__all__ = ["PendingRevenue", "fork_available"]

#: What the child computes: the summary, given a fresh problem list to record into.
Work = Callable[[Problems], RevenueSummary]


def fork_available() -> bool:
    """Whether a child can be forked safely here: ``os.fork`` exists and no other thread runs."""
    return hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) > 1


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class PendingRevenue:
    """A revenue summary being computed by a forked child; :meth:`result` collects it."""

    def __init__(self, pid: int, pipe: BinaryIO, work: Work) -> None:
        self._pid: int | None = pid
        self._pipe = pipe
        self._work = work

    @classmethod
    def start(cls, work: Work) -> PendingRevenue | None:
        """Fork a child running ``work``; ``None`` when that is not possible here."""
        if not fork_available():
            return None
        read_end, write_end = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _run_child(work, write_end, parent)
        os.close(write_end)
        return cls(pid, os.fdopen(read_end, "rb"), work)

    def result(self) -> tuple[RevenueSummary, list[InputProblem]]:
        """The summary and the problems found on the way, in file order.

        If the child failed, ``work`` runs here instead, so the outcome is the same.
        """
        outcome: tuple[RevenueSummary, list[InputProblem]] | None = None
        try:
            with self._pipe:
                outcome = pickle.load(self._pipe)
        except Exception:
            outcome = None
        status = self._reap()
        if outcome is None or status != 0:
            problems = Problems()
            return self._work(problems), problems.items
        return outcome

    def cancel(self) -> None:
        """Kill and reap the child, if it still runs (the caller no longer needs it)."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        self._pipe.close()
        self._reap()

    def _reap(self) -> int | None:
        pid, self._pid = self._pid, None
        if pid is None:
            return None
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)


def _run_child(work: Work, write_end: int, parent: int) -> None:
    code = 1
    try:
        _die_with_parent()
        if os.getppid() != parent:  # the parent ended before the request took effect
            os._exit(1)
        problems = Problems()
        summary = work(problems)
        with os.fdopen(write_end, "wb") as pipe:
            pickle.dump((summary, problems.items), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)
