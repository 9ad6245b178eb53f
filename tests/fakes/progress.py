"""A :class:`~crm_accounts.progress.Progress` that remembers what it was told (the port's fake).

Thread-safe: batch writes report from worker threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Counted:
    """One piece of counted work: its name, the records reported and the expected total."""

    what: str
    done: int = 0
    total: int | None = None
    advances: int = 0


class RecordingProgress:
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.counted: list[Counted] = []
        self._lock = threading.Lock()

    def step(self, what: str) -> None:
        with self._lock:
            self.steps.append(what)

    def begin(self, what: str, total: int | None = None) -> None:
        with self._lock:
            self.counted.append(Counted(what, 0, total))

    def advance(self, records: int, *, total: int | None = None) -> None:
        with self._lock:
            current = self.counted[-1]
            current.done += records
            current.advances += 1
            if total is not None:
                current.total = total

    def named(self, what: str) -> list[Counted]:
        return [c for c in self.counted if c.what == what]
