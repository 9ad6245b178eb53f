"""Pytest fixtures for the fake Salesforce; import them in a conftest. Starts servers (I/O).

from tests.fakes.salesforce.fixtures import fake_salesforce  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeSalesforce

__all__ = ["fake_salesforce", "running_fake"]


def running_fake(profile: object = None) -> Iterator[FakeSalesforce]:
    """A fake org of ``profile`` (a profile, file or shipped name; standard when ``None``) for
    the length of a fixture: ``yield from running_fake("custom_nl")``."""
    with FakeSalesforce(profile=profile) as fake:  # type: ignore[arg-type]
        yield fake


@pytest.fixture
def fake_salesforce() -> Iterator[FakeSalesforce]:
    """An empty fake org on 127.0.0.1 (TLS, random port), stopped after the test."""
    fake = FakeSalesforce().start()
    try:
        yield fake
    finally:
        fake.stop()
