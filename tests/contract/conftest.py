"""Connectors under contract: every Source/Writer implementation is listed here once.

The same dataset is loaded into each connector; the contract tests then read it back (and write
to it) through the port only. A new connector joins by adding a factory below.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from crm_accounts.config import (
    DEFAULT_HS_TARGET_PROPERTIES,
    DEFAULT_SF_TARGET_FIELDS,
    HubSpotSection,
    RosterEntry,
    SalesforceSection,
)
from crm_accounts.connectors.csv import CsvConnector, CsvSource
from crm_accounts.connectors.csv.records import read_records
from crm_accounts.connectors.hubspot import HubSpotConnector
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.domain import (
    Account,
    Activity,
    Contact,
    DmuRole,
    IntegrationStage,
    Member,
    Period,
    PsuRole,
    RevenueLine,
    TeamMember,
)
from crm_accounts.memory import InMemoryConnector, StoredTask
from crm_accounts.ports import (
    AccountRecord,
    Connector,
    FieldUpdate,
    Source,
    TaskClose,
    TaskDraft,
    TaskRecord,
    TaskUpdate,
    WriteResult,
)
from tests.fakes.hubspot import (
    DEFAULT_BUYING_ROLES,
    EXTRA_BUYING_ROLES,
    TEAM_ROLE_PROPERTIES,
    FakeHubSpot,
    ManualClock,
    PropertyDef,
)
from tests.fakes.hubspot import LoadResult as HubSpotLoad
from tests.fakes.salesforce import FakeSalesforce, FieldDef, LoadResult
from tests.fakes.salesforce.loader import section_roles

AS_OF = date(2026, 11, 27)


@dataclass(frozen=True)
class Dataset:
    accounts: list[Account]
    revenue: list[RevenueLine]
    contacts: list[Contact]
    members: list[Member]
    team: list[TeamMember]
    activities: list[Activity]
    #: Tasks someone else created in the CRM (``owned=False``): never returned, never changed.
    foreign_tasks: list[StoredTask] = field(default_factory=list)


def _dataset() -> Dataset:
    accounts = [
        Account("a1", "Acme BV", IntegrationStage.COLLABORATIVE, {"fit": "8", "city": "Delft"}),
        Account("a10", "Globex", None, {"fit": "6"}),
        Account("a2", "Initech, Ltd", None, {"fit": "x", "city": "Gouda"}),
        Account("a3", 'Umbrella "NL"', IntegrationStage.INTEGRATED, {}),
    ]
    revenue = [
        RevenueLine("a1", date(2026, 1, 5), Decimal("1200.50"), Decimal("300.10"), "P1"),
        RevenueLine("a1", date(2026, 11, 27), Decimal("99.50"), None, "P2"),
        RevenueLine("a10", date(2025, 11, 27), Decimal("5000"), Decimal("1"), None),  # period start
        RevenueLine("a10", date(2026, 6, 1), Decimal("400"), Decimal("100"), "P1"),
        RevenueLine("a2", date(2026, 3, 3), Decimal("-50.25"), Decimal("-5"), "P3"),
        RevenueLine("a2", date(2026, 3, 4), Decimal("300"), None, None),
    ]
    contacts = [
        Contact("c1", "a1", "Ann de Vries", frozenset({DmuRole.DECIDER, DmuRole.BUYER}),
                False, "ann@acme.example", "CEO"),
        Contact("c2", "a1", "Bob Jansen", frozenset(), True, None, None),
        Contact("c3", "a10", "Cem Yilmaz", frozenset({DmuRole.USER}), False, None, "Engineer"),
    ]  # fmt: skip
    members = [
        Member("m1", "Mara Smit", "mara@example.com", 5),
        Member("m2", "Noah Bakker", None, None),
    ]
    team = [
        TeamMember("a1", "m1", frozenset({PsuRole.ACCOUNT_MANAGER}), True),
        TeamMember("a1", "m2", frozenset({PsuRole.SUPPORT, PsuRole.DELIVERY}), False),
        TeamMember("a10", "m1", frozenset({PsuRole.ACCOUNT_MANAGER}), False),
    ]
    activities = [
        Activity("m1", "c1", date(2026, 10, 1), True, "a1"),
        Activity("m2", "c3", date(2026, 11, 27), True, "a10"),
        Activity("m2", "c1", date(2026, 11, 20), False, "a1"),
        Activity("m1", "c3", date(2024, 1, 1), True, "a10"),
    ]
    foreign_tasks = [
        StoredTask(
            TaskRecord("X-1", "", "a1", "m1", "c1", date(2026, 12, 1), "Call, \"Ann\"",
                       "their own\nreminder"),
            "Open", owned=False,
        ),
        StoredTask(
            TaskRecord("X-2", "", "a10", "m2", "c3", date(2026, 10, 1), "Done", ""),
            "Completed", owned=False,
        ),
    ]  # fmt: skip
    return Dataset(accounts, revenue, contacts, members, team, activities, foreign_tasks)


def _write(path: Path, header: list[str], rows: Iterable[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if cell is None else cell for cell in row])


def _roles(roles: frozenset[DmuRole] | frozenset[PsuRole]) -> str:
    return ";".join(sorted(role.value for role in roles))


def write_csv_folder(data: Dataset, folder: Path) -> None:
    """The dataset as a CSV source folder in the documented format."""
    folder.mkdir(parents=True, exist_ok=True)
    attributes = sorted({name for a in data.accounts for name in a.attributes})
    _write(
        folder / "accounts.csv",
        ["id", "name", "integration_stage", *attributes],
        (
            [a.id, a.name, a.integration_stage and a.integration_stage.value]
            + [a.attributes.get(name, "") for name in attributes]
            for a in data.accounts
        ),
    )
    _write(
        folder / "revenue.csv",
        ["account_id", "date", "amount", "margin", "product"],
        ([r.account_id, r.date, r.amount, r.margin, r.product] for r in data.revenue),
    )
    _write(
        folder / "contacts.csv",
        ["id", "account_id", "name", "email", "title", "dmu_roles", "gatekeeper"],
        (
            [c.id, c.account_id, c.name, c.email, c.title, _roles(c.dmu_roles), c.gatekeeper]
            for c in data.contacts
        ),
    )
    _write(
        folder / "members.csv",
        ["id", "name", "email", "capacity_per_week"],
        ([m.id, m.name, m.email, m.capacity_per_week] for m in data.members),
    )
    _write(
        folder / "team.csv",
        ["account_id", "member_id", "psu_roles", "pioneer"],
        ([t.account_id, t.member_id, _roles(t.psu_roles), t.pioneer] for t in data.team),
    )
    _write(
        folder / "activities.csv",
        ["id", "account_id", "contact_id", "member_id", "date", "type", "status"],
        (
            [
                f"x{i}",
                a.account_id,
                a.contact_id,
                a.member_id,
                a.date,
                "meeting",
                "completed" if a.completed else "open",
            ]
            for i, a in enumerate(data.activities)
        ),
    )
    if data.foreign_tasks:  # tasks of others: rows without a key
        _write(
            folder / "tasks.csv",
            ["id", "key", "account_id", "member_id", "contact_id", "due_date", "status",
             "subject", "description", "owner"],
            (
                [t.record.id, "", t.record.account_id, t.record.member_id, t.record.contact_id,
                 t.record.due_date, t.status, t.record.subject, t.record.description, "someone"]
                for t in data.foreign_tasks
            ),
        )  # fmt: skip


def _memory(data: Dataset, _: Path) -> InMemoryConnector:
    return InMemoryConnector(
        account_list=list(data.accounts),
        revenue=list(data.revenue),
        contact_list=list(data.contacts),
        member_list=list(data.members),
        team_list=list(data.team),
        activity_list=list(data.activities),
        tasks={task.record.id: replace(task) for task in data.foreign_tasks},
    )


def _csv(data: Dataset, tmp_path: Path) -> CsvSource:
    write_csv_folder(data, tmp_path / "source")
    return CsvSource(tmp_path / "source")


def _csv_connector(data: Dataset, tmp_path: Path) -> CsvConnector:
    write_csv_folder(data, tmp_path / "source")
    return CsvConnector(tmp_path / "source")


def _memory_foreign_tasks(connector: Connector) -> object:
    assert isinstance(connector, InMemoryConnector)
    return {i: (t.record, t.status) for i, t in connector.tasks.items() if not t.owned}


def _csv_foreign_tasks(connector: Connector) -> object:
    """The exact text of every tasks.csv row without a key."""
    assert isinstance(connector, CsvConnector)
    path = connector.folder / "tasks.csv"
    if not path.exists():
        return []
    records = list(read_records(path))
    key = [name.strip() for name in records[0].cells].index("key")
    return [r.raw for r in records[1:] if r.cells and not r.cells[key].strip()]


# -- Salesforce: the dataset loaded into the fake org, ids translated at the port -----------------

#: Fake servers started for the current test (stopped by ``_stop_fake_servers``).
FAKES: list[FakeSalesforce | FakeHubSpot] = []


class _SalesforceUnderContract:
    """The Salesforce connector with the dataset's ids: the fake org assigns its own ids, so
    every id crossing the port is translated (dataset id <-> Salesforce id); nothing else is."""

    def __init__(self, fake: FakeSalesforce, load: LoadResult, inner: SalesforceConnector) -> None:
        self.fake, self.inner = fake, inner
        self._to_sf = {**load.accounts, **load.contacts, **load.users, **load.tasks}
        self._from_sf = {sf: source for source, sf in self._to_sf.items()}

    def sf(self, value: str) -> str:
        return self._to_sf.get(value, value)

    def src(self, value: str | None) -> str | None:
        return None if value is None else self._from_sf.get(value, value)

    def _ref(self, result: WriteResult) -> WriteResult:
        return replace(result, ref=self.src(result.ref) or "", crm_id=self.src(result.crm_id))

    def accounts(self) -> Iterable[AccountRecord]:
        for record in self.inner.accounts():
            yield replace(record, account=replace(record.account, id=self.src(record.account.id)))

    def attribute_names(self) -> frozenset[str]:
        return self.inner.attribute_names()

    def revenue_lines(self, period: Period) -> Iterable[RevenueLine]:
        return [line._replace(account_id=self.src(line.account_id))
                for line in self.inner.revenue_lines(period)]  # fmt: skip

    def contacts(self) -> Iterable[Contact] | None:
        return [replace(c, id=self.src(c.id), account_id=self.src(c.account_id))
                for c in self.inner.contacts() or []]  # fmt: skip

    def members(self) -> Iterable[Member]:
        return [replace(m, id=self.src(m.id)) for m in self.inner.members()]

    def team(self) -> Iterable[TeamMember] | None:
        return [replace(t, account_id=self.src(t.account_id), member_id=self.src(t.member_id))
                for t in self.inner.team() or []]  # fmt: skip

    def activities(self, since: date, until: date) -> Iterable[Activity]:
        return [a._replace(member_id=self.src(a.member_id), contact_id=self.src(a.contact_id),
                           account_id=self.src(a.account_id))
                for a in self.inner.activities(since, until)]  # fmt: skip

    def open_tasks(self) -> Iterable[TaskRecord]:
        return [replace(t, account_id=self.src(t.account_id), member_id=self.src(t.member_id),
                        contact_id=self.src(t.contact_id))
                for t in self.inner.open_tasks()]  # fmt: skip

    def close(self) -> None:
        self.inner.close()

    def preflight(self, writes: Mapping[str, int]) -> None:
        self.inner.preflight(writes)

    def write_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        sent = [replace(u, account_id=self.sf(u.account_id)) for u in updates]
        return [self._ref(r) for r in self.inner.write_fields(sent)]

    def create_tasks(self, drafts: Sequence[TaskDraft]) -> list[WriteResult]:
        sent = [replace(d, account_id=self.sf(d.account_id), member_id=self.sf(d.member_id),
                        contact_id=self.sf(d.contact_id)) for d in drafts]  # fmt: skip
        return self.inner.create_tasks(sent)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        return self.inner.update_tasks([replace(u, id=self.sf(u.id)) for u in updates])

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        return self.inner.close_tasks([replace(c, id=self.sf(c.id)) for c in closes])


def _salesforce(data: Dataset, tmp_path: Path) -> Connector:
    """The dataset in a fake org: the CSV folder through the fake's loader, then what the
    loader cannot express set as an admin would (see the comments)."""
    write_csv_folder(data, tmp_path / "source")
    fake = FakeSalesforce(profile="custom_nl").start()  # an org with a value for every role
    FAKES.append(fake)
    load = fake.load(tmp_path / "source")
    org = fake.state
    # The contract writes any text into every target field: text fields stand in for them.
    fields = {target: f"Contract_{api}" for target, api in DEFAULT_SF_TARGET_FIELDS.items()}
    for api in fields.values():
        org.add_field("Account", FieldDef(api, "string", api, length=255))
    # Pioneer per account-team place (the loader keeps it per user).
    org.add_field("AccountTeamMember", FieldDef("Pioneer__c", "boolean", "Pioneer"))
    for place in data.team:
        if place.pioneer:
            for (account_id, member_id, _), row in load.team.items():
                if (account_id, member_id) == (place.account_id, place.member_id):
                    org.update(row, {"Pioneer__c": True}, system=True)
    # Accounts nobody manages belong to an inactive user, who is no member and no manager.
    nobody = org.create("User", {"Username": "former@example.com", "LastName": "Former",
                                 "IsActive": False}, system=True)  # fmt: skip
    managed = {place.account_id for place in data.team}
    for account in data.accounts:
        if account.id not in managed:
            org.update(load.accounts[account.id], {"OwnerId": nobody}, system=True)
    # Revenue by line item (for products); a line without a product gets one without one.
    for line, opportunity, item in zip(data.revenue, load.opportunities, load.line_items,
                                       strict=True):  # fmt: skip
        if item is None:
            org.create("OpportunityLineItem", {
                "OpportunityId": opportunity, "Quantity": Decimal(1), "UnitPrice": line.amount,
                "TotalPrice": line.amount, "Margin__c": line.margin,
            }, system=True)  # fmt: skip
    section = SalesforceSection(
        auth="client_credentials",
        revenue_object="line_item",
        login_url=fake.url,
        attributes={"fit": "Fit__c", "city": "BillingCity"},
        integration_stage_field="Integration_Stage__c",
        margin_field="Margin__c",
        gatekeeper_field="Gatekeeper__c",
        capacity_field="KAM_Capacity_Per_Week__c",
        pioneer_field="Pioneer__c",
        fields=fields,
        **section_roles(fake.state.profile),
    )
    environ = {"SF_CLIENT_ID": fake.oauth.client_id, "SF_CLIENT_SECRET": fake.oauth.client_secret}
    inner = SalesforceConnector.from_config(section, environ, session=fake.session())
    return _SalesforceUnderContract(fake, load, inner)


def _salesforce_foreign_tasks(connector: Connector) -> object:
    """Every stored Task without a key, as the fake org holds it."""
    assert isinstance(connector, _SalesforceUnderContract)
    return [t for t in connector.fake.state.records("Task") if not t.get("KAM_Task_Key__c")]


# -- HubSpot: the dataset loaded into the fake portal, ids translated at the port ------------------


class _HubSpotUnderContract(_SalesforceUnderContract):
    """The HubSpot connector with the dataset's ids (the fake portal assigns its own)."""

    def __init__(self, fake: FakeHubSpot, load: HubSpotLoad, inner: HubSpotConnector) -> None:
        self.fake, self.inner = fake, inner  # type: ignore[assignment]
        self._to_sf = {**load.companies, **load.contacts, **load.owners, **load.tasks}
        self._from_sf = {hubspot: source for source, hubspot in self._to_sf.items()}


def _hubspot(data: Dataset, tmp_path: Path) -> Connector:
    """The dataset in a fake portal: the CSV folder through the fake's loader, then what the
    loader leaves to configuration (roster, pioneers, capacities) configured as an admin would."""
    write_csv_folder(data, tmp_path / "source")
    clock = ManualClock()
    fake = FakeHubSpot(clock=clock).start()
    FAKES.append(fake)
    load = fake.load(tmp_path / "source")
    portal = fake.state
    # The contract writes any text into every target field: text properties stand in for them.
    fields = {target: f"contract_{name}" for target, name in DEFAULT_HS_TARGET_PROPERTIES.items()}
    for name in fields.values():
        portal.add_property("companies", PropertyDef(name, name, "string", "text", "kam"))
    if portal.property("tasks", "kam_task_key") is None:
        portal.add_property("tasks", PropertyDef("kam_task_key", "Key", "string", "text", "kam"))
    # The dataset's member without an e-mail address: the loader invents one, HubSpot shows none.
    for member in data.members:
        if member.email is None:
            portal.owners[int(load.owners[member.id])].email = ""
    roster = [
        RosterEntry(member=load.owners[m], accounts=[load.companies[a]], pioneer=True)
        for a, m in load.pioneers
    ]
    roster += [RosterEntry(member=load.owners[m], capacity_per_week=c)
               for m, c in load.capacities.items()]  # fmt: skip
    roster += [RosterEntry(member=r.owner_id, roles=[r.role], accounts=[r.company_id])
               for r in load.roster]  # fmt: skip
    section = HubSpotSection(
        host=fake.url,
        attributes={"fit": "fit", "city": "city"},
        integration_stage_property="integration_stage",
        margin_property="kam_margin",
        products_from_line_items=True,
        gatekeeper_property="kam_gatekeeper",
        buying_roles={**DEFAULT_BUYING_ROLES, **EXTRA_BUYING_ROLES},
        owner_properties=TEAM_ROLE_PROPERTIES,
        roster=roster,
        fields=fields,
    )
    inner = HubSpotConnector.from_config(
        section, {"HUBSPOT_ACCESS_TOKEN": fake.token}, clock=clock, sleep=clock.advance
    )
    return _HubSpotUnderContract(fake, load, inner)


def _hubspot_foreign_tasks(connector: Connector) -> object:
    """Every stored task without a key, as the fake portal holds it."""
    assert isinstance(connector, _HubSpotUnderContract)
    portal = connector.fake.state  # type: ignore[union-attr]
    return [
        (t.id, dict(t.properties), t.updated_ms)
        for t in portal.records("tasks")
        if not t.properties.get("kam_task_key")
    ]


SOURCES: dict[str, Callable[[Dataset, Path], Source]] = {
    "memory": _memory,
    "csv": _csv,
    "salesforce": _salesforce,
    "hubspot": _hubspot,
}
#: Connectors with a write side.
WRITERS: dict[str, Callable[[Dataset, Path], Connector]] = {
    "memory": _memory,
    "csv": _csv_connector,
    "salesforce": _salesforce,
    "hubspot": _hubspot,
}
#: Per writer: the stored state of the tasks the product did not create, as that connector keeps
#: them (compared before and after writes: it must not change at all).
FOREIGN_TASKS: dict[str, Callable[[Connector], object]] = {
    "memory": _memory_foreign_tasks,
    "csv": _csv_foreign_tasks,
    "salesforce": _salesforce_foreign_tasks,
    "hubspot": _hubspot_foreign_tasks,
}


@pytest.fixture(autouse=True)
def _stop_fake_servers() -> Iterator[None]:
    """Stop the fake CRM servers a factory started for this test."""
    yield
    while FAKES:
        FAKES.pop().stop()


@pytest.fixture
def dataset() -> Dataset:
    return _dataset()


@pytest.fixture(params=sorted(SOURCES))
def source(request: pytest.FixtureRequest, dataset: Dataset, tmp_path: Path) -> Source:
    return SOURCES[request.param](dataset, tmp_path)


@pytest.fixture(params=sorted(WRITERS))
def writer_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def writer(writer_name: str, dataset: Dataset, tmp_path: Path) -> Connector:
    return WRITERS[writer_name](dataset, tmp_path)


@pytest.fixture
def foreign_tasks(writer_name: str, writer: Connector) -> Callable[[], object]:
    """Snapshot of the tasks the product did not create, in the writer's own storage."""
    return lambda: FOREIGN_TASKS[writer_name](writer)
