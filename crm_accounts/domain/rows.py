"""A tuple-like sequence of records made from a frame when first read. Pure; no I/O.

The method computes pairs, gaps and the plan as frames; a caller that reads them as records
(exports, the sync plan, reports) gets them as one tuple, built once on first use. Counting
them does not build them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar, overload

__all__ = ["LazyMapping", "Rows"]

T = TypeVar("T")


class Rows(Sequence[T]):
    """``len`` rows built by ``build`` on first access; compares equal to the same tuple."""

    __slots__ = ("_build", "_len", "_rows")

    def __init__(self, length: int, build: Callable[[], tuple[T, ...]]) -> None:
        self._len = length
        self._build: Callable[[], tuple[T, ...]] | None = build
        self._rows: tuple[T, ...] | None = None

    @property
    def rows(self) -> tuple[T, ...]:
        """The records as a tuple (built now if they were not yet)."""
        if self._rows is None:
            assert self._build is not None
            self._rows = self._build()
            self._build = None
        return self._rows

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self.rows[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self.rows == other.rows
        if isinstance(other, tuple):
            return self.rows == other
        return NotImplemented

    def __add__(self, other: tuple[T, ...]) -> tuple[T, ...]:
        return self.rows + other

    def __radd__(self, other: tuple[T, ...]) -> tuple[T, ...]:
        return other + self.rows

    def __hash__(self) -> int:
        return hash(self.rows)

    def __repr__(self) -> str:
        return f"Rows({self.rows!r})"


K = TypeVar("K")
V = TypeVar("V")


class LazyMapping(Mapping[K, V]):
    """A mapping built by ``build`` on first access (for views of records kept as frames)."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], Mapping[K, V]]) -> None:
        self._build: Callable[[], Mapping[K, V]] | None = build
        self._built: Mapping[K, V] | None = None

    @property
    def built(self) -> Mapping[K, V]:
        if self._built is None:
            assert self._build is not None
            self._built = self._build()
            self._build = None
        return self._built

    def __getitem__(self, key: K) -> V:
        return self.built[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self.built)

    def __len__(self) -> int:
        return len(self.built)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self.built == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
