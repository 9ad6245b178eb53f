"""Shared test setup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm_accounts.logs import reset_logging


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """Tests that run the CLI in-process configure logging on a captured stream; undo it."""
    yield
    reset_logging()
