"""Pytest fixtures for the fake Salesforce; import them in a conftest. Starts servers (I/O).

from tests.fakes.salesforce.fixtures import fake_salesforce  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeSalesforce

__all__ = ["fake_salesforce"]


@pytest.fixture
def fake_salesforce() -> Iterator[FakeSalesforce]:
    """An empty fake org on 127.0.0.1 (TLS, random port), stopped after the test."""
    fake = FakeSalesforce().start()
    try:
        yield fake
    finally:
        fake.stop()
