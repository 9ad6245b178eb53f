"""Shared test setup."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from crm_accounts.logs import reset_logging
from crm_accounts.runlock import LOCK_DIR_ENV


@pytest.fixture(autouse=True, scope="session")
def _private_lock_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """CRM source locks of the tests (and their child processes) stay out of the system's
    temporary folder."""
    previous = os.environ.get(LOCK_DIR_ENV)
    os.environ[LOCK_DIR_ENV] = str(tmp_path_factory.mktemp("locks"))
    yield
    if previous is None:
        os.environ.pop(LOCK_DIR_ENV, None)
    else:
        os.environ[LOCK_DIR_ENV] = previous


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """Tests that run the CLI in-process configure logging on a captured stream; undo it."""
    yield
    reset_logging()
