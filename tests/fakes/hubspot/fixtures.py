"""Pytest fixtures for the fake HubSpot; import them in a conftest. Starts servers (I/O).

from tests.fakes.hubspot.fixtures import fake_hubspot  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .limits import ManualClock
from .server import FakeHubSpot

__all__ = ["fake_hubspot"]


@pytest.fixture
def fake_hubspot() -> Iterator[FakeHubSpot]:
    """An empty fake portal on 127.0.0.1 (plain HTTP, random port) on a :class:`ManualClock`,
    stopped after the test. The clock only moves when the test advances it, so the 10-second
    window is the test's to control (``fake.state.clock.advance(10)``)."""
    fake = FakeHubSpot(clock=ManualClock()).start()
    try:
        yield fake
    finally:
        fake.stop()
