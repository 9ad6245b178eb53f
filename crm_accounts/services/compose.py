"""The composition root: the one place that picks and builds a concrete connector."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import ConfigError
from ..ports import Source

__all__ = ["open_source"]


def open_source(config: Config, *, source_dir: Path | None = None) -> Source:
    """The source the config names; ``source_dir`` (``--source``) forces a CSV folder."""
    from crm_accounts.connectors.csv import CsvSource

    if source_dir is not None:
        return CsvSource(source_dir)
    if config.source.kind == "csv":
        return CsvSource(config.source_path())
    raise ConfigError(
        f"source.kind: value {config.source.kind!r}: this version reads CSV folders only; "
        "the Salesforce and HubSpot connectors are not part of it yet"
    )
