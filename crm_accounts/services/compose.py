"""The composition root: the one place that picks and builds a concrete connector.

:mod:`.admin` (``check``, ``setup``) is the only other module that names the CRM connectors.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config import Config
from ..errors import ConfigError
from ..init.facts import Surveys
from ..ports import Connector
from ..progress import SILENT, Progress, ReportsProgress

__all__ = ["open_connector", "open_survey"]


def open_connector(
    config: Config, *, source_dir: Path | None = None, progress: Progress = SILENT
) -> Connector:
    """The connector the config names; ``source_dir`` (``--source``) forces a CSV folder.

    A connector that can report its progress (:class:`~crm_accounts.progress.ReportsProgress`)
    reports to ``progress``.
    """
    connector = _build(config, source_dir)
    if progress is not SILENT and isinstance(connector, ReportsProgress):
        connector.report_progress(progress)
    return connector


def _build(config: Config, source_dir: Path | None) -> Connector:
    from crm_accounts.connectors.csv import CsvConnector

    if source_dir is not None:
        return CsvConnector(source_dir, config.csv.fields)
    if config.source.kind == "csv":
        return CsvConnector(config.source_path(), config.csv.fields)
    if config.source.kind == "salesforce":
        from crm_accounts.connectors.salesforce import SalesforceConnector

        return SalesforceConnector.from_config(
            config.salesforce, os.environ, closed_status=config.plan.closed_status
        )
    if config.source.kind == "hubspot":
        from crm_accounts.connectors.hubspot import HubSpotConnector

        return HubSpotConnector.from_config(
            config.hubspot, os.environ, closed_status=config.plan.closed_status
        )
    raise ConfigError(f"source.kind: value {config.source.kind!r} is not a known source")


def open_survey(kind: str, *, source_dir: Path | None = None, url: str | None = None) -> Surveys:
    """What ``init`` reads a source's names and values with: a CSV folder, or a CRM reached
    with the credentials the connector reads from the environment (``url``: the Salesforce
    login URL or the HubSpot API host). Nothing is sent before :meth:`Surveys.survey`.

    Raises:
        ConfigError: ``url`` is not a URL, or a credential variable is missing.
    """
    if kind == "csv":
        from crm_accounts.connectors.csv.survey import CsvSurvey

        return CsvSurvey(source_dir or Path("."))
    if kind == "salesforce":
        from crm_accounts.connectors.salesforce.survey import SalesforceSurvey

        return SalesforceSurvey.from_environment(os.environ, url)
    if kind == "hubspot":
        from crm_accounts.connectors.hubspot.survey import HubSpotSurvey

        return HubSpotSurvey.from_environment(os.environ, url)
    raise ConfigError(f"--kind: value {kind!r} is not a source; expected salesforce or hubspot")
