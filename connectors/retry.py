"""Bounded retries of single requests, shared by the CRM connectors. No I/O of its own.

A connector raises :class:`TransientError` (with the server's wait hint when it gave one) for an
attempt another attempt may cure; :class:`RetryPolicy` retries that one request with jittered
exponential backoff, honours the hint, bounds attempts and total time, logs before sleeping and
sleeps through an injected function (tests pass a fake clock). Retrying one request, never a whole
generator, follows dlt's and meltano's request helpers (docs/architecture.md).

:func:`map_ordered` runs independent requests (batch writes of different records) on a few
threads, ``[salesforce|hubspot] max_workers`` at most, and returns their results in input order,
so outcomes are reported in the same order whatever order the server saw the requests in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_random_exponential

from crm_accounts.errors import RetriableError
from crm_accounts.logs import log_event

__all__ = ["OutcomeUnknownError", "RetryPolicy", "TransientError", "map_ordered"]

LOGGER = logging.getLogger("crm_accounts.connectors")
T = TypeVar("T")
R = TypeVar("R")
#: Longest backoff between two attempts when the server gives no hint.
_MAX_BACKOFF = 60.0


class TransientError(RetriableError):
    """One attempt failed in a way another attempt may cure; ``wait`` is the server's hint."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        self.wait = wait
        super().__init__(message)


class OutcomeUnknownError(RetriableError):
    """A non-idempotent request (a create) failed after it may have reached the server; it is
    not resent blindly: the next sync finds what was created by its key."""


class RetryPolicy:
    """Bounded retries of one request: attempts, total time, jittered backoff, logged sleeps."""

    def __init__(
        self,
        max_attempts: int,
        max_seconds: float,
        sleep: Callable[[float], None],
        *,
        event: str = "connector.retry",
        logger: logging.Logger = LOGGER,
    ) -> None:
        self.event = event
        self.logger = logger
        self.max_attempts = max_attempts
        self.max_seconds = max_seconds
        self.sleep = sleep
        self._backoff = wait_random_exponential(multiplier=0.5, max=_MAX_BACKOFF)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = exc.wait if isinstance(exc, TransientError) else None
        return float(hint) if hint is not None else float(self._backoff(state))

    def _stop(self, state: RetryCallState) -> bool:
        elapsed = max(state.seconds_since_start or 0.0, state.idle_for)
        return (
            state.attempt_number >= self.max_attempts
            or elapsed + state.upcoming_sleep > self.max_seconds
        )

    def _before_sleep(self, what: str) -> Callable[[RetryCallState], None]:
        def log(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log_event(
                self.logger,
                self.event,
                f"{what}: {exc}; retrying in {state.upcoming_sleep:.1f}s "
                f"(attempt {state.attempt_number + 1} of {self.max_attempts})",
                logging.WARNING,
                request=what,
                attempt=state.attempt_number,
                sleep_seconds=round(state.upcoming_sleep, 3),
            )

        return log

    def run(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()`` retried on :class:`TransientError`; when the bounds are reached, the last
        error becomes a :class:`~crm_accounts.errors.RetriableError` naming the request."""
        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            sleep=self.sleep,
            before_sleep=self._before_sleep(what),
            reraise=True,
        )
        try:
            return retrying(fn)
        except TransientError as exc:
            attempts = retrying.statistics.get("attempt_number", self.max_attempts)
            raise RetriableError(
                f"{what}: still failing after {attempts} attempt(s): {exc}"
            ) from None


def map_ordered(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[fn(item) for item in items]`` with at most ``workers`` calls running at a time.

    Results come in input order. When a call raises, calls not yet started are cancelled, the
    running ones finish, and the first exception in input order is raised (as a plain loop
    would stop there; what the finished calls wrote is found again by the next run).
    """
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.done() and f.exception() is not None for f in futures):
            for future in futures:
                future.cancel()
            wait(futures)
            for future in futures:
                error = None if future.cancelled() else future.exception()
                if error is not None:
                    raise error
        return [future.result() for future in futures]
