"""Pause Python's cyclic garbage collector while millions of records are built. No I/O.

Reading and computing a million accounts allocate tens of millions of tuples, dataclass
instances and dicts that stay alive until the run ends. Every few thousand allocations CPython's
cyclic collector walks the young objects, and from time to time *all* of them: on a big run that
was a third of the time spent computing, and it finds nothing, because these records hold no
reference cycles (they are freed by reference counting as usual). So the collector is paused for
the duration and restored afterwards, whatever it was.

Merely re-enabling it would make the next allocation walk every object made meanwhile (they are
all still "young"): 5 s at a million accounts. So on the way out they are moved to the oldest
generation first (``gc.freeze`` then ``gc.unfreeze``, two list splices), where the collector looks
again only once the heap has grown by a quarter; reference cycles among them are still found
then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block; nested blocks are fine."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
