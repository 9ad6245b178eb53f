"""The HubSpot connector: ``Source`` and ``Writer`` over one account, built from config. Does I/O.

:func:`HubSpotConnector.from_config` is the only place that builds the vendor client: it reads
the access token from the environment (:mod:`.auth`) and wires hubspot-api-client through the
pacing and retry layer (:mod:`.http`). Nothing is sent until the first read or write.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from crm_accounts.config import HubSpotSection
from crm_accounts.errors import ConfigError
from crm_accounts.progress import Progress

from ..composed import ComposedConnector
from .auth import read_token
from .http import HubSpotHttp, make_api_client
from .limits import ApiUsage
from .mapping import CLOSED_TASK_STATUS
from .source import HubSpotSource, SharedState
from .tasks import TaskWriter
from .writer import HubSpotWriter

__all__ = ["HubSpotConnector"]


class HubSpotConnector(ComposedConnector):
    """Implements :class:`~crm_accounts.ports.Connector` for one HubSpot account.

    Args:
        closed_status: ``[plan] closed_status``; it must be HubSpot's only closed task status,
            COMPLETED (METHOD.md), which is also what unset means.
    """

    source: HubSpotSource
    writer: HubSpotWriter

    def __init__(
        self, section: HubSpotSection, http: HubSpotHttp, *, closed_status: str | None = None
    ) -> None:
        self.section = section
        self.http = http
        self.state = SharedState()
        self.source = HubSpotSource(http, section, self.state)
        known_companies = self.source.known_companies
        tasks = TaskWriter(
            http,
            section,
            known_companies,
            self.source.open_tasks,
            self.state,
            self.source.tasks_by_id,
        )
        self.writer = HubSpotWriter(http, section, known_companies, self.state, tasks)
        if closed_status and self.writer.close_status(closed_status) != CLOSED_TASK_STATUS:
            raise ConfigError(
                f"plan.closed_status: {closed_status!r} is hs_task_status "
                f"{self.writer.close_status(closed_status)}, which HubSpot does not treat as "
                f"closed; {CLOSED_TASK_STATUS} is its only closed task status: set 'Completed' "
                "or leave the key out"
            )

    def report_progress(self, progress: Progress) -> None:
        """Report every search (with its ``total``), list read and write to ``progress``."""
        self.source.reader.progress = progress
        self.writer.progress = progress
        self.writer.tasks.progress = progress

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

    def recall_tasks(self, known: Mapping[str, str]) -> None:
        """The open tasks the run log knows (key -> id): :meth:`open_tasks` reads them back by
        id, so a task created seconds ago is found although search does not show it yet."""
        self.state.recalled = dict(known)

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
