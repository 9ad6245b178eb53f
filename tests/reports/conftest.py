"""A computed demo result shared by the report tests (the 300-account seeded demo)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crm_accounts.config import Config, load_config
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.domain.method import MethodResult
from crm_accounts.services import open_connector
from crm_accounts.services.run import compute

AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="session")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    folder = generate_demo(tmp_path_factory.mktemp("demo"), as_of=AS_OF)
    return load_config(folder.config_path)


def compute_demo(config: Config) -> MethodResult:
    return compute(open_connector(config), config.settings(), AS_OF)


@pytest.fixture(scope="session")
def demo_result(demo_config: Config) -> MethodResult:
    return compute_demo(demo_config)


@pytest.fixture(scope="session")
def demo_source(demo_config: Config) -> Path:
    return demo_config.source_path()
