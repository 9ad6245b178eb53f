"""``check`` and ``setup``: verify a source before a first sync, create the CRM fields write-back
needs. Reads (and with ``apply`` writes field definitions to) the CRM through its connector.

Like :mod:`.compose`, this is part of the composition root: the only other place that knows the
concrete CRM connectors. The command line renders what these functions return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from crm_accounts.connectors.findings import CheckResult

from ..config import Config
from ..progress import SILENT, Progress
from ..sync import pull
from .compose import open_connector

__all__ = ["CheckReport", "SetupReport", "check_source", "setup_source"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """``kind`` ``csv`` (read cleanly, no findings) or the CRM checked, with its findings."""

    kind: str
    findings: tuple[CheckResult, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if not finding.ok)


@dataclass(frozen=True, slots=True)
class SetupReport:
    """The definitions a CRM needs and, when applied, one finding per definition."""

    kind: str
    definitions: tuple[Mapping[str, Any], ...] = ()
    findings: tuple[CheckResult, ...] | None = None

    @property
    def failed(self) -> bool:
        return self.findings is not None and any(not f.ok for f in self.findings)


def check_source(
    config: Config, source_dir: Path | None, *, progress: Progress = SILENT
) -> CheckReport:
    """Read a CSV folder completely (every input problem raises), or run the CRM's checks.

    Raises:
        InputDataError: the CSV folder holds invalid records (all are listed).
    """
    if source_dir is not None or config.source.kind == "csv":
        connector = open_connector(config, source_dir=source_dir, progress=progress)
        pull(connector, config.settings(), date.today(), step=progress.step)
        return CheckReport("csv")
    if config.source.kind == "hubspot":
        from crm_accounts.connectors.hubspot import HubSpotConnector
        from crm_accounts.connectors.hubspot import check as hubspot_check

        hub = open_connector(config)
        assert isinstance(hub, HubSpotConnector)
        return CheckReport("hubspot", tuple(hubspot_check(hub)))
    from crm_accounts.connectors.salesforce import SalesforceConnector
    from crm_accounts.connectors.salesforce.admin import check as salesforce_check

    sf = open_connector(config)
    assert isinstance(sf, SalesforceConnector)
    return CheckReport("salesforce", tuple(salesforce_check(sf)))


def setup_source(config: Config, *, apply: bool) -> SetupReport:
    """The field definitions write-back needs; with ``apply``, create the missing ones.

    Without ``apply`` nothing connects to the CRM (no credentials needed).
    """
    if config.source.kind == "csv":
        return SetupReport("csv")
    if config.source.kind == "hubspot":
        return _setup_hubspot(config, apply)
    from crm_accounts.connectors.salesforce import SalesforceConnector
    from crm_accounts.connectors.salesforce.admin import apply_definitions, setup_definitions

    definitions = setup_definitions(config.salesforce)
    if not apply:
        return SetupReport("salesforce", tuple(definitions))
    sf = open_connector(config)
    assert isinstance(sf, SalesforceConnector)
    # Currency fields only where the org keeps several currencies: ask the org first.
    applied = setup_definitions(config.salesforce, multi_currency=sf.org.multi_currency())
    return SetupReport("salesforce", tuple(definitions), _findings(apply_definitions(sf, applied)))


def _setup_hubspot(config: Config, apply: bool) -> SetupReport:
    from crm_accounts.connectors.hubspot import (
        HubSpotConnector,
        apply_definitions,
        setup_definitions,
    )

    definitions = setup_definitions(config.hubspot)
    if not apply:
        return SetupReport("hubspot", tuple(definitions))
    hub = open_connector(config)
    assert isinstance(hub, HubSpotConnector)
    return SetupReport(
        "hubspot", tuple(definitions), _findings(apply_definitions(hub, definitions))
    )


def _findings(results: Sequence[CheckResult]) -> tuple[CheckResult, ...]:
    return tuple(results)
