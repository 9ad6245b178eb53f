"""The TOML configuration file as pydantic models; reads one file.

Unknown keys are errors, every key has a default, and every error names the key and the value.
Floats are parsed as ``Decimal`` so ``a = 0.8`` means exactly 4/5. :meth:`Config.settings`
converts the validated file into the domain's plain settings.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .domain.model import DmuRole, PsuRole, Segment
from .domain.settings import (
    Better,
    CriterionSettings,
    MethodSettings,
    PlanRule,
    PlanSettings,
    RatingSettings,
    RoleSettings,
    SegmentationRule,
    SegmentationSettings,
    WhitespaceSettings,
    default_thresholds,
)
from .domain.titles import normalize_title
from .errors import ConfigError
from .i18n import SOURCE_LANGUAGE, available_languages
from .logs import redact
from .ports import TargetField

__all__ = [
    "DEFAULT_HS_ACTIVITY_DONE",
    "DEFAULT_HS_BUYING_ROLES",
    "DEFAULT_HS_CLOSE_STATUSES",
    "DEFAULT_HS_TARGET_PROPERTIES",
    "DEFAULT_TARGET_FIELDS",
    "MAX_CRITERIA",
    "MAX_DAYS",
    "RUN_LOG_NAME",
    "Config",
    "HubSpotSection",
    "OutputSection",
    "RosterEntry",
    "load_config",
    "parse_config",
]

#: The article limits the customer rating to five criteria: a few well-chosen criteria tell more
#: than many, and ranking accounts against each other stays meaningful only on a handful.
MAX_CRITERIA = 5
#: Upper bound for day counts (100 years): keeps every date computation inside the calendar.
MAX_DAYS = 36_500
RUN_LOG_NAME = "crm-accounts-runs.sqlite"


def _normalized(value: Any) -> Any:
    """Role keys, rule names and the like match case-insensitively after trimming."""
    return value.strip().lower() if isinstance(value, str) else value


def _no_bool(value: Any) -> Any:
    """TOML ``true`` is not a number (pydantic would read it as 1)."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    return value


def _empty_is_none(value: Any) -> Any:
    """TOML has no null: an empty string switches an optional field off."""
    return None if isinstance(value, str) and not value.strip() else value


def _trimmed_status(value: Any) -> Any:
    """A status is matched exactly after trimming; an empty one is refused, not ignored."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("must not be empty; leave the key out for the CRM's own default")
        return value.strip()
    return value


def _trimmed(value: Any) -> Any:
    """Names and statuses are compared trimmed, as the CSV reader trims header names."""
    return value.strip() if isinstance(value, str) else value


def _segment(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


Key = Annotated[str, BeforeValidator(_normalized)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSection(_Section):
    kind: Annotated[Literal["csv", "salesforce", "hubspot"], BeforeValidator(_normalized)] = "csv"
    path: Path = Path("data")


class PeriodSection(_Section):
    months: int = Field(default=12, ge=1, le=120, strict=True)


class SegmentsSection(_Section):
    rule: Annotated[SegmentationRule, BeforeValidator(_normalized)] = SegmentationRule.REVENUE_SHARE
    a: Annotated[Decimal | None, BeforeValidator(_no_bool)] = Field(default=None, gt=0, le=1)
    b: Annotated[Decimal | None, BeforeValidator(_no_bool)] = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _a_not_above_b(self) -> Self:
        a, b = self.thresholds()
        if a > b:
            raise ValueError(f"a ({a}) must not be greater than b ({b})")
        return self

    def thresholds(self) -> tuple[Decimal, Decimal]:
        default_a, default_b = default_thresholds(self.rule)
        return (
            self.a if self.a is not None else default_a,
            self.b if self.b is not None else default_b,
        )


class CriterionSection(_Section):
    key: str = Field(pattern=r"^[A-Za-z0-9_]+$", max_length=64)
    label: str | None = None
    source: str = Field(min_length=1)
    better: Annotated[Better, BeforeValidator(_normalized)] = Better.HIGHER


class RatingSection(_Section):
    top: int = Field(default=5, ge=1, le=10_000, strict=True)
    accounts: list[str] | None = None
    criteria: list[CriterionSection] = Field(default_factory=list)

    @field_validator("criteria")
    @classmethod
    def _at_most_five(cls, criteria: list[CriterionSection]) -> list[CriterionSection]:
        if len(criteria) > MAX_CRITERIA:
            raise ValueError(
                f"{len(criteria)} criteria given; the customer rating uses at most "
                f"{MAX_CRITERIA}: a few well-chosen criteria say more than many, and accounts "
                "ranked against each other on more criteria blur into the average"
            )
        keys = [criterion.key for criterion in criteria]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"criterion keys must be unique; repeated: {', '.join(repeated)}")
        return criteria

    @field_validator("accounts")
    @classmethod
    def _unique_accounts(cls, accounts: list[str] | None) -> list[str] | None:
        if accounts is None:
            return None
        repeated = sorted({a for a in accounts if accounts.count(a) > 1})
        if repeated:
            raise ValueError(f"account ids must be unique; repeated: {', '.join(repeated)}")
        if any(not a for a in accounts):
            raise ValueError("account ids must not be empty")
        return accounts


class RuleSection(_Section):
    segment: Annotated[Literal["A", "B", "C"], BeforeValidator(_segment)]
    psu: Annotated[PsuRole, BeforeValidator(_normalized)]
    dmu: Annotated[DmuRole, BeforeValidator(_normalized)]
    every_days: int = Field(ge=1, le=MAX_DAYS, strict=True)


class PlanSection(_Section):
    lookback_days: int = Field(default=365, ge=1, le=MAX_DAYS, strict=True)
    horizon_days: int = Field(default=28, ge=1, le=MAX_DAYS, strict=True)
    capacity_per_week: int = Field(default=10, ge=0, le=100_000, strict=True)
    #: The status tasks are closed with; unset, the connector takes what the CRM itself treats
    #: as closed (CSV: ``Deferred``; Salesforce: the org's first closed Task Status; METHOD.md).
    closed_status: Annotated[str | None, BeforeValidator(_trimmed_status)] = None
    rules: list[RuleSection] | None = None


class WhitespaceSection(_Section):
    """Whitespace per segment-A customer (METHOD.md section 4)."""

    min_peer_share: Annotated[Decimal, BeforeValidator(_no_bool)] = Field(
        default=Decimal("0.30"), ge=0, le=1
    )
    max_per_account: int = Field(default=5, ge=0, le=10_000, strict=True)
    peer_attribute: Annotated[str | None, BeforeValidator(_empty_is_none)] = None


class RolesSection(_Section):
    """DMU roles suggested from job titles (METHOD.md section 4)."""

    use_suggestions: bool = Field(default=False, strict=True)
    #: Extra or overriding title words -> DMU roles; an empty list makes the words match nothing.
    title_words: dict[
        Annotated[str, Field(min_length=1)], list[Annotated[DmuRole, BeforeValidator(_normalized)]]
    ] = Field(default_factory=dict)

    @field_validator("title_words")
    @classmethod
    def _words_in_each_key(cls, words: dict[str, list[DmuRole]]) -> dict[str, list[DmuRole]]:
        empty = [key for key in words if not normalize_title(key)]
        if empty:
            raise ValueError(f"{empty[0]!r} holds no letters or digits to match in a job title")
        return words


#: Default CRM field (CSV column) per target field; connectors may configure other names.
DEFAULT_TARGET_FIELDS: dict[str, str] = {field.value: f"kam_{field.value}" for field in TargetField}


#: accounts.csv columns with a meaning of their own (connectors/csv/source.py ACCOUNT_COLUMNS).
SOURCE_ACCOUNT_COLUMNS = frozenset({"id", "name", "integration_stage"})


class CsvSection(_Section):
    """The CSV connector: ``fields`` maps target fields to accounts.csv column names.

    Names are trimmed (the reader trims header names too), distinct, and never a column of the
    source data: ``id``, ``name``, ``integration_stage`` or an attribute a rating criterion
    reads (checked in :class:`Config`), since the sync would overwrite it.
    """

    fields: dict[str, Annotated[str, BeforeValidator(_trimmed)]] = Field(
        default_factory=lambda: dict(DEFAULT_TARGET_FIELDS)
    )

    @field_validator("fields")
    @classmethod
    def _known_targets(cls, fields: dict[str, str]) -> dict[str, str]:
        merged = merged_targets(fields, DEFAULT_TARGET_FIELDS)
        reserved = sorted(set(merged.values()) & SOURCE_ACCOUNT_COLUMNS)
        if reserved:
            raise ValueError(f"column(s) {', '.join(reserved)} belong to the source data")
        return merged


#: AccountContactRelation.Roles / OpportunityContactRole.Role picklist values -> DMU roles.
DEFAULT_SF_CONTACT_ROLES: dict[str, str] = {
    "Decision Maker": "decider",
    "Economic Decision Maker": "decider",
    "Economic Buyer": "buyer",
    "Technical Buyer": "advisor",
    "Evaluator": "advisor",
    "Influencer": "influencer",
    "Business User": "user",
}
#: AccountTeamMember.TeamMemberRole values of the standard ``SalesTeamRole`` value set -> PSU
#: roles. The standard set (Account Manager, Channel Manager, Executive Sponsor, Lead Qualifier,
#: Pre-Sales Consultant, Sales Manager, Sales Rep) has no value for ``delivery`` or
#: ``administration``: an org that has such values maps them itself (docs/salesforce.md).
DEFAULT_SF_TEAM_ROLES: dict[str, str] = {
    "Account Manager": "account_manager",
    "Sales Rep": "sales_rep",
    "Sales Manager": "sales_manager",
    "Executive Sponsor": "executive",
    "Pre-Sales Consultant": "support",
}
#: The oldest REST API version the connector accepts: "Query jobs in Bulk API 2.0 are available
#: in API version 47.0 and later" ("Understanding Bulk API 2.0 Query",
#: https://developer.salesforce.com/docs/atlas.en-us.246.0.api_asynch.meta/api_asynch/queries.htm);
#: versions 21.0-30.0 are retired since Summer '25 and REST answers 410 GONE ("Salesforce
#: Platform API Versions 21.0 through 30.0 Retirement",
#: https://help.salesforce.com/s/articleView?id=000354473&type=1).
MIN_SF_API_VERSION = 47
#: The hosts that serve every org's login and JWT audience; a client-credentials token must be
#: asked at the org's own My Domain instead ("OAuth 2.0 Client Credentials Flow for
#: Server-to-Server Integration", https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm&type=5).
SF_LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})
DEFAULT_SF_TARGET_FIELDS: dict[str, str] = {
    field.value: "KAM_" + "_".join(part.capitalize() for part in field.value.split("_")) + "__c"
    for field in TargetField
}


def _mapping_to_roles(mapping: dict[str, str], kind: type[DmuRole] | type[PsuRole]) -> None:
    for source, role in mapping.items():
        try:
            kind(role.strip().lower())
        except ValueError:
            choices = ", ".join(r.value for r in kind)
            raise ValueError(
                f"{source!r} maps to unknown role {role!r}; expected {choices}"
            ) from None


def _dmu_map(mapping: dict[str, str]) -> dict[str, str]:
    _mapping_to_roles(mapping, DmuRole)
    return mapping


def _psu_map(mapping: dict[str, str]) -> dict[str, str]:
    _mapping_to_roles(mapping, PsuRole)
    return mapping


#: CRM values (picklist entries, property options) mapped to DMU / PSU role keys.
DmuRoleMap = Annotated[dict[str, str], AfterValidator(_dmu_map)]
PsuRoleMap = Annotated[dict[str, str], AfterValidator(_psu_map)]


def merged_targets(fields: dict[str, str], defaults: dict[str, str]) -> dict[str, str]:
    """The configured target-field names over the defaults: known targets, distinct names."""
    unknown = sorted(set(fields) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown target field(s) {', '.join(unknown)}; known: {', '.join(defaults)}"
        )
    merged = {**defaults, **fields}
    names = list(merged.values())
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated or any(not name.strip() for name in names):
        raise ValueError(f"target names must be distinct and non-empty; repeated: {repeated}")
    return merged


class _CrmApiSection(_Section):
    """What every CRM connector shares: the API calls left untouched, timeouts, retries."""

    api_reserve: int = Field(default=1_000, ge=0, strict=True)
    connect_timeout: float = Field(default=10.0, gt=0, le=300)
    read_timeout: float = Field(default=60.0, gt=0, le=3600)
    max_attempts: int = Field(default=5, ge=1, le=20, strict=True)
    max_retry_seconds: float = Field(default=300.0, gt=0, le=3600)


class SalesforceSection(_CrmApiSection):
    """The Salesforce connector (docs/salesforce.md). Credentials come from the environment."""

    api_version: str = Field(default="62.0", pattern=r"^\d{2,3}\.0$")
    #: The JWT ``aud`` claim; unset: ``https://test.salesforce.com`` for a sandbox login URL,
    #: else ``https://login.salesforce.com`` (see :meth:`audience`).
    jwt_audience: str | None = Field(default=None, pattern=r"^https://[^/\s]+$")
    auth: Annotated[
        Literal["jwt", "client_credentials", "password", "session"], BeforeValidator(_normalized)
    ] = "jwt"
    login_url: str = Field(default="https://login.salesforce.com", pattern=r"^https?://")
    attributes: dict[str, str] = Field(default_factory=dict)
    integration_stage_field: str | None = None
    revenue_object: Annotated[Literal["opportunity", "line_item"], BeforeValidator(_normalized)] = (
        "opportunity"
    )
    margin_field: str | None = None
    product_field: str = "Product2.ProductCode"
    #: ``None``: detected from the org (a ``CurrencyIsoCode`` field on Account).
    multi_currency: bool | None = Field(default=None, strict=True)
    contact_roles_source: Annotated[
        Literal["account_contact_relation", "contact_field"], BeforeValidator(_normalized)
    ] = "account_contact_relation"
    contact_role_field: str | None = None
    contact_roles: DmuRoleMap = Field(default_factory=lambda: dict(DEFAULT_SF_CONTACT_ROLES))
    gatekeeper_field: str | None = None
    team_roles: PsuRoleMap = Field(default_factory=lambda: dict(DEFAULT_SF_TEAM_ROLES))
    pioneer_field: str | None = None
    pioneers: list[str] = Field(default_factory=list)
    capacity_field: str | None = None
    #: Task field holding the task key; "" keeps the key as a marker line in Description.
    task_key_field: Annotated[str | None, BeforeValidator(_empty_is_none)] = "KAM_Task_Key__c"
    fields: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SF_TARGET_FIELDS))
    #: A query job costs the first REST page (which tells ``totalSize``), a create, a status
    #: poll and one results request per 50,000 rows: fewer calls than the REST pages of 2,000
    #: from about 8,000 rows on. Bulk queries are "designed to handle queries that return large
    #: amounts of data (10,000 records or more)" (Bulk API 2.0 "Bulk Queries", v224 guide).
    bulk_query_threshold: int = Field(default=10_000, ge=1, strict=True)
    bulk_ingest_threshold: int = Field(default=2_000, ge=1, strict=True)
    #: Parallel sObject Collections writes. Salesforce has no limit on concurrent requests
    #: shorter than 20 seconds and allows 25 long-running ones (5 on Developer Edition): "API
    #: Request Limits and Allocations", https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html
    max_workers: int = Field(default=4, ge=1, le=5, strict=True)
    read_timeout: float = Field(default=120.0, gt=0, le=3600)  # Bulk result pages are large

    @field_validator("fields")
    @classmethod
    def _targets(cls, fields: dict[str, str]) -> dict[str, str]:
        return merged_targets(fields, DEFAULT_SF_TARGET_FIELDS)

    @field_validator("api_version")
    @classmethod
    def _supported_version(cls, version: str) -> str:
        if int(version.split(".")[0]) < MIN_SF_API_VERSION:
            raise ValueError(
                f"API version {version} is too old: versions 21.0 to 30.0 are retired and Bulk "
                f'API 2.0 queries need {MIN_SF_API_VERSION}.0 or newer; use e.g. "62.0"'
            )
        return version

    @model_validator(mode="after")
    def _role_field_when_needed(self) -> Self:
        if self.contact_roles_source == "contact_field" and not self.contact_role_field:
            raise ValueError("contact_roles_source = 'contact_field' needs contact_role_field")
        host = urlsplit(self.login_url).hostname or ""
        if self.auth == "client_credentials" and host in SF_LOGIN_HOSTS:
            raise ValueError(
                f"auth = 'client_credentials' needs login_url = your My Domain URL (e.g. "
                f"https://yourcompany.my.salesforce.com), not {self.login_url!r}: Salesforce "
                "refuses the client credentials flow on its login hosts"
            )
        return self

    def audience(self) -> str:
        """The JWT ``aud``: always a login host, never a My Domain URL ("OAuth 2.0 JWT Bearer
        Flow for Server-to-Server Integration", https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm)."""
        if self.jwt_audience:
            return self.jwt_audience
        host = urlsplit(self.login_url).hostname or ""
        sandbox = host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com")
        return "https://test.salesforce.com" if sandbox else "https://login.salesforce.com"

    def configured(self, key: str) -> bool:
        """Whether ``key`` was set in the file (not a default)."""
        return key in self.model_fields_set


#: ``hs_buying_role`` internal option values -> DMU roles (docs/hubspot.md). "Supporter" has no
#: HubSpot option: add a custom option (e.g. ``SUPPORTER``) and map it here.
DEFAULT_HS_BUYING_ROLES: dict[str, str] = {
    "DECISION_MAKER": "decider",
    "EXECUTIVE_SPONSOR": "decider",
    "BUDGET_HOLDER": "buyer",
    "INFLUENCER": "influencer",
    "CHAMPION": "influencer",
    "END_USER": "user",
    "LEGAL_AND_COMPLIANCE": "advisor",
}
#: Company property per target field: ``kam_<field>`` (created by ``crm-accounts setup``).
DEFAULT_HS_TARGET_PROPERTIES: dict[str, str] = dict(DEFAULT_TARGET_FIELDS)
#: Engagement object -> status values that make it a contact moment (add "" to count an
#: engagement logged without a status).
DEFAULT_HS_ACTIVITY_DONE: dict[str, list[str]] = {
    "meetings": ["COMPLETED"],
    "calls": ["COMPLETED"],
    "emails": ["SENT"],
    "tasks": ["COMPLETED"],
}
#: ``[plan] closed_status`` values -> ``hs_task_status`` internal values.
DEFAULT_HS_CLOSE_STATUSES: dict[str, str] = {"Deferred": "DEFERRED", "Completed": "COMPLETED"}

_HS_NAME = r"^[a-z][a-z0-9_]{0,99}$"
#: The won stages go into one ``IN`` filter of the deal search; HubSpot documents no cap on its
#: values, so the list is bounded at the batch size the APIs use (an assumption, docs/hubspot.md).
MAX_WON_STAGES = 100
_CURRENCY = r"^[A-Z]{3}$"


class RosterEntry(_Section):
    """A member's roles, capacity and pioneer flag the CRM does not hold
    (``[[hubspot.roster]]``).

    ``member`` is the owner's e-mail address or HubSpot owner id. The roles (and ``pioneer``)
    apply at the listed company ids, or at every account when ``accounts`` is left out;
    ``capacity_per_week`` overrides ``[plan] capacity_per_week`` for the member.
    """

    member: str = Field(min_length=1)
    roles: list[Annotated[PsuRole, BeforeValidator(_normalized)]] = Field(default_factory=list)
    accounts: list[str] | None = None
    capacity_per_week: int | None = Field(default=None, ge=0, le=100_000, strict=True)
    pioneer: bool = Field(default=False, strict=True)


class HubSpotSection(_CrmApiSection):
    """The HubSpot connector (docs/hubspot.md). The private-app token comes from the environment
    variable named by ``access_token_env``, never from this file."""

    access_token_env: str = Field(
        default="HUBSPOT_ACCESS_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"
    )
    host: str = Field(default="https://api.hubapi.com", pattern=r"^https?://[^/\s]+$")
    rate_tier: Literal[100, 190, 250] = 100
    search_rate: int = Field(default=4, ge=1, le=5, strict=True)
    #: Parallel batch writes and a search read ahead while associations are read, all paced by
    #: the one rate limiter (so more workers never send more per window).
    max_workers: int = Field(default=4, ge=1, le=10, strict=True)
    timezone: str = "UTC"
    attributes: dict[str, Annotated[str, Field(pattern=_HS_NAME)]] = Field(default_factory=dict)
    integration_stage_property: str | None = Field(default=None, pattern=_HS_NAME)
    won_stages: list[str] = Field(default_factory=list, max_length=MAX_WON_STAGES)
    margin_property: str | None = Field(default=None, pattern=_HS_NAME)
    products_from_line_items: bool = Field(default=False, strict=True)
    product_property: str = Field(default="hs_sku", pattern=_HS_NAME)
    currency: str | None = Field(default=None, pattern=_CURRENCY)
    currency_mode: Annotated[Literal["refuse", "convert"], BeforeValidator(_normalized)] = "refuse"
    currency_rates: dict[Annotated[str, Field(pattern=_CURRENCY)], Decimal] = Field(
        default_factory=dict
    )
    buying_role_property: str = Field(default="hs_buying_role", pattern=_HS_NAME)
    buying_roles: DmuRoleMap = Field(default_factory=lambda: dict(DEFAULT_HS_BUYING_ROLES))
    gatekeeper_property: str | None = Field(default=None, pattern=_HS_NAME)
    owner_role: Annotated[PsuRole, BeforeValidator(_normalized)] = PsuRole.ACCOUNT_MANAGER
    owner_properties: Annotated[
        dict[Annotated[str, Field(pattern=_HS_NAME)], str], AfterValidator(_psu_map)
    ] = Field(default_factory=dict)
    pioneer_property: str | None = Field(default=None, pattern=_HS_NAME)
    roster: list[RosterEntry] = Field(default_factory=list)
    activity_done: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_HS_ACTIVITY_DONE.items()}
    )
    task_key_property: str = Field(default="kam_task_key", pattern=_HS_NAME)
    task_open_status: str = Field(default="NOT_STARTED", min_length=1)
    task_close_statuses: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_HS_CLOSE_STATUSES)
    )
    fields: dict[str, Annotated[str, Field(pattern=_HS_NAME)]] = Field(
        default_factory=lambda: dict(DEFAULT_HS_TARGET_PROPERTIES)
    )
    property_group: str = Field(default="kam", pattern=_HS_NAME)
    property_group_label: str = Field(default="Key account management", min_length=1)

    @field_validator("fields")
    @classmethod
    def _targets(cls, fields: dict[str, str]) -> dict[str, str]:
        return merged_targets(fields, DEFAULT_HS_TARGET_PROPERTIES)

    @field_validator("activity_done")
    @classmethod
    def _engagements(cls, done: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(done) - set(DEFAULT_HS_ACTIVITY_DONE))
        if unknown:
            raise ValueError(
                f"unknown engagement(s) {', '.join(unknown)}; "
                f"known: {', '.join(DEFAULT_HS_ACTIVITY_DONE)}"
            )
        return {**{k: list(v) for k, v in DEFAULT_HS_ACTIVITY_DONE.items()}, **done}

    @field_validator("currency_rates")
    @classmethod
    def _positive_rates(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in rates.items():
            if isinstance(rate, bool) or not Decimal(rate).is_finite() or rate <= 0:
                raise ValueError(f"rate for {code} must be a positive number, got {rate!r}")
        return rates

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r} (an IANA name such as Europe/Amsterdam)"
            ) from None
        return name

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.currency_mode == "convert" and not self.currency:
            raise ValueError("currency_mode = 'convert' needs currency (the currency to report in)")
        owner_valued = list(self.owner_properties)
        if self.pioneer_property:
            owner_valued.append(self.pioneer_property)
        clash = sorted(set(owner_valued) & set(self.fields.values()))
        if clash:
            raise ValueError(f"target properties cannot also be read as owners: {', '.join(clash)}")
        return self


class SyncSection(_Section):
    """How ``sync`` writes: manual edits, the run log."""

    overwrite_manual_edits: bool = Field(default=True, strict=True)
    run_log: Path | None = None


class OutputSection(_Section):
    """What people read: the language of the report, workbook, agendas, task texts, summaries."""

    language: Annotated[str, BeforeValidator(_normalized)] = SOURCE_LANGUAGE

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        known = available_languages()
        if value not in known:
            raise ValueError(f"unknown language; one of {', '.join(known)}")
        return value


class Config(_Section):
    """The whole configuration file; ``base_dir`` resolves relative paths (the file's folder)."""

    source: SourceSection = Field(default_factory=SourceSection)
    period: PeriodSection = Field(default_factory=PeriodSection)
    segments: SegmentsSection = Field(default_factory=SegmentsSection)
    rating: RatingSection = Field(default_factory=RatingSection)
    plan: PlanSection = Field(default_factory=PlanSection)
    whitespace: WhitespaceSection = Field(default_factory=WhitespaceSection)
    roles: RolesSection = Field(default_factory=RolesSection)
    csv: CsvSection = Field(default_factory=CsvSection)
    salesforce: SalesforceSection = Field(default_factory=SalesforceSection)
    hubspot: HubSpotSection = Field(default_factory=HubSpotSection)
    sync: SyncSection = Field(default_factory=SyncSection)
    output: OutputSection = Field(default_factory=OutputSection)
    base_dir: Path = Field(default=Path("."), exclude=True)
    origin: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _closing_closes(self) -> Self:
        # A CSV task whose status reads "open" (any case, any spaces) is open: closing it with
        # that status would leave it open, and every run would close it again.
        status: str | None = self.plan.closed_status  # None: the connector's default
        if self.source.kind == "csv" and status is not None and status.lower() == "open":
            raise ValueError(
                f"plan.closed_status: {self.plan.closed_status!r} is the status of an open task;"
                " a closed task needs another one, such as 'Deferred' or 'Completed'"
            )
        return self

    @model_validator(mode="after")
    def _targets_are_not_criteria(self) -> Self:
        read = {criterion.source for criterion in self.rating.criteria}
        clash = sorted(
            f"{target} = {column!r}" for target, column in self.csv.fields.items() if column in read
        )
        if clash:
            raise ValueError(
                f"csv.fields: {', '.join(clash)} would overwrite a source column that a rating"
                " criterion reads; choose another column name"
            )
        return self

    def source_path(self) -> Path:
        return (
            self.source.path if self.source.path.is_absolute() else self.base_dir / self.source.path
        )

    def run_log_path(self, source_dir: Path | None = None) -> Path:
        """``[sync] run_log``, else ``crm-accounts-runs.sqlite`` beside the config file (or in
        the ``--source`` folder when there is no config file)."""
        if self.sync.run_log is not None:
            path = self.sync.run_log
            return path if path.is_absolute() else self.base_dir / path
        folder = source_dir if source_dir is not None and self.origin is None else self.base_dir
        return folder / RUN_LOG_NAME

    def fingerprint(self) -> str:
        """A hash of the effective settings, recorded per run (secrets never live here)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def settings(self) -> MethodSettings:
        """The domain settings this file describes."""
        a, b = self.segments.thresholds()
        plan = self.plan
        defaults = PlanSettings()
        rules = (
            tuple(
                PlanRule(Segment(rule.segment), rule.psu, rule.dmu, rule.every_days)
                for rule in plan.rules
            )
            if plan.rules is not None
            else defaults.rules
        )
        return MethodSettings(
            months=self.period.months,
            segmentation=SegmentationSettings(self.segments.rule, a, b),
            rating=RatingSettings(
                top=self.rating.top,
                accounts=tuple(self.rating.accounts) if self.rating.accounts is not None else None,
                criteria=tuple(
                    CriterionSettings(c.key, c.source, c.better, c.label)
                    for c in self.rating.criteria
                ),
            ),
            plan=PlanSettings(
                lookback_days=plan.lookback_days,
                horizon_days=plan.horizon_days,
                capacity_per_week=plan.capacity_per_week,
                closed_status=plan.closed_status or "Deferred",
                rules=rules,
            ),
            whitespace=WhitespaceSettings(
                self.whitespace.min_peer_share,
                self.whitespace.max_per_account,
                self.whitespace.peer_attribute,
            ),
            roles=RoleSettings(
                self.roles.use_suggestions,
                tuple((words, tuple(roles)) for words, roles in self.roles.title_words.items()),
            ),
        )


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith(("function-", "literal[", "enum[")) and "[" not in part:
            text += f".{part}" if text else part
    return text or "(top level)"


#: Text shaped like a credential: known token prefixes, a JWT, a key block, a Salesforce
#: session id, or a long run of letters and digits without spaces (ids and names rarely are).
_SECRET_SHAPES = re.compile(
    r"(?:\b(?:pat|sk|pk|rk|xox[abpr]|ghp|gho|github_pat)[-_][A-Za-z0-9_-]{8,}"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|-----BEGIN"
    r"|\b00D[A-Za-z0-9]{12,15}!"
    r"|(?=[A-Za-z0-9+/_=.-]*[0-9])(?=[A-Za-z0-9+/_=.-]*[A-Za-z])[A-Za-z0-9+/_=.-]{32,})"
)
_WITHHELD = "(value withheld: it looks like a secret; secrets belong in environment variables)"


def _looks_secret(value: Any) -> bool:
    if isinstance(value, str):
        return _SECRET_SHAPES.search(value) is not None or redact(value) != value
    if isinstance(value, dict):
        return any(_looks_secret(k) or _looks_secret(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_looks_secret(v) for v in value)
    return False


def _shown(value: Any) -> str:
    return _WITHHELD if _looks_secret(value) else repr(value)


def _describe(error: Any) -> str:
    key = _location(tuple(error["loc"]))
    message = str(error["msg"]).removeprefix("Value error, ")
    if _looks_secret(message):
        message = "invalid"
    if error["type"] == "extra_forbidden":
        return f"key '{key}': unknown key (value {_shown(error['input'])}); check the spelling"
    return f"key '{key}': value {_shown(error['input'])}: {message}"


def parse_config(
    text: str,
    *,
    origin: str = "<config>",
    base_dir: Path | None = None,
    origin_path: Path | None = None,
) -> Config:
    """Validate TOML text; ``origin`` names the file in error messages.

    Raises:
        ConfigError: the TOML does not parse, or a key is unknown or has a bad value.
    """
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{origin}: arrays or tables nested too deeply to be read") from None
    try:
        config = Config.model_validate(raw)
    except RecursionError:
        raise ConfigError(f"{origin}: values nested too deeply to be read") from None
    except ValidationError as exc:
        lines = [f"{origin}: {_describe(error)}" for error in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
    return config.model_copy(update={"base_dir": base_dir or Path("."), "origin": origin_path})


def load_config(path: Path) -> Config:
    """Read and validate a config file; relative paths in it are relative to its folder."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return parse_config(text, origin=str(path), base_dir=path.parent, origin_path=path)
