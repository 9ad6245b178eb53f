"""The first script a sales-ops engineer writes: one call per record. Does network I/O.

It does the same job as ``crm-accounts sync`` on the same data (the method's result and the
sync plan come from our pipeline; only the API calls are made differently), through the same
client libraries and against the same fakes:

* Salesforce (simple-salesforce): every collection read with ``sf.query_all`` (REST pages of
  2,000, never a Bulk API job), then a loop over the accounts: ``sf.Account.get(id)`` to see the
  current values, ``sf.Account.update(id, {...})`` when the plan changes them;
  ``sf.Task.create({...})`` per new task and ``sf.Task.update(id, {...})`` per rescheduled or
  closed task.
* HubSpot (hubspot-api-client): the collection reads are ours (the same searches and list pages;
  counted from our run, not repeated), then a loop over the companies:
  ``companies.basic_api.get_by_id`` and ``companies.basic_api.update`` when the plan changes them;
  ``tasks.basic_api.create`` per new task (with its associations) and ``tasks.basic_api.update``
  per rescheduled or closed task. The fake's rate limit is switched off for this loop: unpaced,
  it would meet 429s after 100 calls, and how a naive script copes with them is another story.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from zoneinfo import ZoneInfo

from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_accounts.connectors.hubspot.mapping import (
    company_update_input,
    task_close_input,
    task_create_input,
    task_update_input,
)
from crm_accounts.connectors.salesforce.mapping import field_update_record
from crm_accounts.connectors.salesforce.tasks import (
    task_close_record,
    task_create_record,
    task_update_record,
)
from crm_accounts.sync.plan import SyncPlan

__all__ = ["hubspot_naive", "salesforce_naive"]


def _body(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("attributes", "id")}


def salesforce_naive(
    sf: Any,
    queries: list[str],
    accounts: list[str],
    plan: SyncPlan,
    fields: dict[str, str],
    key_field: str | None,
) -> None:
    """Read with ``query_all``, then write record by record (see the module docstring)."""
    for soql in queries:
        with suppress(SalesforceMalformedRequest):  # an object the org lacks: refused, counted
            sf.query_all(soql)
    updates = {u.account_id: u.values for u in plan.field_updates()}
    for account_id in accounts:
        sf.Account.get(account_id)  # what the account holds now; the plan says what differs
        values = updates.get(account_id)
        if values:
            sf.Account.update(account_id, _body(field_update_record(account_id, values, fields)))
    for draft in plan.create:
        sf.Task.create(_body(task_create_record(draft, key_field, "Not Started")))
    for reschedule in plan.reschedule:
        update = reschedule.update
        sf.Task.update(update.id, _body(task_update_record(update, key_field)))
    for close in plan.close:
        done = task_close_record(close.close.id, close.close.key, "Completed", key_field, "")
        sf.Task.update(close.close.id, _body(done))


def hubspot_naive(
    client: Any,
    accounts: list[str],
    plan: SyncPlan,
    fields: dict[str, str],
    key_property: str,
    open_status: str,
    zone: ZoneInfo,
    close_status: Any,
) -> None:
    """Write record by record (see the module docstring); the reads are ours."""
    from hubspot.crm.companies import SimplePublicObjectInput as CompanyInput
    from hubspot.crm.objects.tasks import SimplePublicObjectInput as TaskInput
    from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate

    companies = client.crm.companies.basic_api
    tasks = client.crm.objects.tasks.basic_api
    names = list(dict.fromkeys(fields.values()))
    updates = {u.account_id: u.values for u in plan.field_updates()}
    for account_id in accounts:
        companies.get_by_id(account_id, properties=names)  # the plan says what differs
        values = updates.get(account_id)
        if values:
            body = company_update_input(account_id, values, fields)
            companies.update(account_id, CompanyInput(properties=body["properties"]))
    for draft in plan.create:
        body = task_create_input(draft, key_property, open_status, zone)
        tasks.create(
            SimplePublicObjectInputForCreate(
                properties=body["properties"], associations=body["associations"]
            )
        )
    for reschedule in plan.reschedule:
        body = task_update_input(reschedule.update, zone)
        tasks.update(reschedule.update.id, TaskInput(properties=body["properties"]))
    for close in plan.close:
        body = task_close_input(close.close.id, close_status(close.close.status))
        tasks.update(close.close.id, TaskInput(properties=body["properties"]))
