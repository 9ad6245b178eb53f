"""The Salesforce connector: ``Source`` and ``Writer`` over one org, built from config. Does I/O.

:func:`SalesforceConnector.from_config` is the only place that builds the vendor client: it
validates every configured field name (:func:`.soql.query_fields`), reads the credentials from the
environment (:mod:`.auth`), and wires one ``requests.Session`` through the retry layer
(:mod:`.http`). Nothing is sent until the first read or write; the login happens then.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping

import requests

from crm_accounts.config import SalesforceSection
from crm_accounts.progress import Progress

from ..composed import ComposedConnector
from . import soql
from .auth import Authenticator, read_credentials
from .bulk import BulkClient
from .http import ApiUsage, RetryPolicy, SalesforceHttp
from .org import OrgFacts
from .source import SalesforceSource, SharedState
from .writer import SalesforceWriter

__all__ = ["SalesforceConnector"]


class SalesforceConnector(ComposedConnector):
    """Implements :class:`~crm_accounts.ports.Connector` for one Salesforce org."""

    source: SalesforceSource
    writer: SalesforceWriter

    def __init__(
        self,
        section: SalesforceSection,
        http: SalesforceHttp,
        *,
        closed_status: str | None = None,
    ) -> None:
        self.section = section
        self.http = http
        self.fields = soql.query_fields(section)
        self.bulk = BulkClient(http)
        self.state = SharedState()
        self.org = OrgFacts(http, section, closed_status)
        self.source = SalesforceSource(http, self.bulk, section, self.fields, self.state, self.org)
        self.writer = SalesforceWriter(http, self.bulk, section, self.fields, self.state, self.org)

    @classmethod
    def from_config(
        cls,
        section: SalesforceSection,
        environ: Mapping[str, str],
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        closed_status: str | None = None,
    ) -> SalesforceConnector:
        """A connector for ``section`` with credentials from ``environ``.

        Args:
            session: the HTTP session to use (default: a new one, honouring the usual proxy
                and CA environment variables).
            sleep: every wait between attempts and bulk-job polls goes through it.
            closed_status: ``[plan] closed_status``, the status the product closes tasks with;
                it must be closed in the org. ``None``: the org's first closed status.

        Raises:
            ConfigError: a field name is not an API name, or a credential variable is missing.
        """
        soql.query_fields(section)  # config errors before anything else
        credentials = read_credentials(section.auth, environ)
        session = session if session is not None else requests.Session()
        policy = RetryPolicy(
            section.max_attempts, section.max_retry_seconds, sleep, event="salesforce.retry"
        )
        calls: Counter[str] = Counter()
        auth = Authenticator(
            section, credentials, session, policy, on_request=lambda: calls.update(["token"])
        )
        http = SalesforceHttp(
            section, session, auth.login, can_relogin=auth.can_relogin, sleep=sleep
        )
        http.calls = calls
        return cls(section, http, closed_status=closed_status)

    # -- observability --------------------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        """Requests sent so far per kind (``query``, ``query_more``, ``composite_update``, ...;
        retries and the OAuth ``token`` request included)."""
        return Counter(self.http.calls)

    @property
    def api_usage(self) -> ApiUsage:
        """The daily allowance as last reported by ``Sforce-Limit-Info``."""
        return ApiUsage(self.http.usage.used, self.http.usage.max)

    # -- extras -------------------------------------------------------------------------------

    def report_progress(self, progress: Progress) -> None:
        """Report every query (with its ``totalSize``) and every write to ``progress``."""
        self.source.progress = progress
        self.writer.progress = progress

    def record_url(self, account_id: str) -> str | None:
        """The account's page in the org: ``<instance URL>/<record id>``, which both Salesforce
        Classic and Lightning Experience open (Lightning redirects to its record page; see "What
        does a Salesforce URL consist of?", https://salesforceben.com/salesforce-url-consist/).
        ``None`` before the connector has logged in."""
        instance = self.http.instance_url
        return None if instance is None else f"{instance}/{account_id}"
