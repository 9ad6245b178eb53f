"""The HubSpot connector: ``Source`` and ``Writer`` over one account, built from config. Does I/O.

:func:`HubSpotConnector.from_config` is the only place that builds the vendor client: it reads
the access token from the environment (:mod:`.auth`) and wires hubspot-api-client through the
pacing and retry layer (:mod:`.http`). Nothing is sent until the first read or write.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from crm_accounts.config import HubSpotSection
from crm_accounts.domain.model import Activity, Contact, Member, RevenueLine, TeamMember
from crm_accounts.domain.revenue import Period
from crm_accounts.ports import (
    AccountRecord,
    FieldUpdate,
    TaskClose,
    TaskDraft,
    TaskRecord,
    TaskUpdate,
    WriteResult,
)

from .auth import read_token
from .http import HubSpotHttp, make_api_client
from .limits import ApiUsage
from .source import HubSpotSource, SharedState
from .writer import HubSpotWriter

__all__ = ["HubSpotConnector"]


class HubSpotConnector:
    """Implements :class:`~crm_accounts.ports.Connector` for one HubSpot account.

    Args:
        closed_status: the status the product closes tasks with (``[plan] closed_status``);
            tasks with its ``hs_task_status`` value are closed, not open.
    """

    def __init__(
        self, section: HubSpotSection, http: HubSpotHttp, *, closed_status: str | None = None
    ) -> None:
        self.section = section
        self.http = http
        self.state = SharedState()
        self.source = HubSpotSource(http, section, self.state)
        self.writer = HubSpotWriter(
            http, section, self.source.known_companies, self.source.open_tasks, self.state
        )
        if closed_status:
            self.source.add_closed_status(self.writer.close_status(closed_status))

    @classmethod
    def from_config(
        cls,
        section: HubSpotSection,
        environ: Mapping[str, str],
        *,
        api_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        closed_status: str | None = None,
    ) -> HubSpotConnector:
        """A connector for ``section`` with the token from ``environ``.

        Args:
            api_client: a hubspot-api-client ``ApiClient`` to use (tests); default one built by
                :func:`.http.make_api_client` for ``section.host``.
            clock: monotonic seconds, for pacing.
            sleep: every wait (pacing, retries) goes through it.
            closed_status: ``[plan] closed_status``.

        Raises:
            ConfigError: the token variable is missing or empty.
        """
        token = read_token(section, environ)
        client = api_client if api_client is not None else make_api_client(section, token.value)
        http = HubSpotHttp(section, client, clock=clock, sleep=sleep)
        return cls(section, http, closed_status=closed_status)

    # -- observability ----------------------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        """Requests sent so far per kind (``list_companies``, ``search_deals``,
        ``associations_deals_companies``, ``companies_update``, ...; retries included)."""
        return Counter(self.http.calls)

    @property
    def api_usage(self) -> ApiUsage:
        """The daily allowance as last reported by the rate-limit headers."""
        return ApiUsage(self.http.usage.daily, self.http.usage.remaining)

    # -- Source -----------------------------------------------------------------------------------

    def accounts(self) -> Iterable[AccountRecord]:
        return self.source.accounts()

    def attribute_names(self) -> frozenset[str]:
        return self.source.attribute_names()

    def revenue_lines(self, period: Period) -> Iterable[RevenueLine]:
        return self.source.revenue_lines(period)

    def contacts(self) -> Iterable[Contact] | None:
        return self.source.contacts()

    def members(self) -> Iterable[Member]:
        return self.source.members()

    def team(self) -> Iterable[TeamMember] | None:
        return self.source.team()

    def activities(self, since: date, until: date) -> Iterable[Activity]:
        return self.source.activities(since, until)

    def open_tasks(self) -> Iterable[TaskRecord]:
        return self.source.open_tasks()

    def close(self) -> None:
        self.source.close()

    # -- Writer -----------------------------------------------------------------------------------

    def preflight(self, writes: Mapping[str, int]) -> None:
        self.writer.preflight(writes)

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        return self.writer.write_fields(updates)

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        return self.writer.create_tasks(drafts)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        return self.writer.update_tasks(updates)

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        return self.writer.close_tasks(closes)
