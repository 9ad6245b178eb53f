"""Decide what a sync changes: the :class:`SyncPlan`. Pure; no I/O, no clock.

Inputs are the method's result, what the CRM holds now (target-field values and our open tasks)
and what the product last wrote (from the run log). The plan lists only changes: a rerun on an
unchanged CRM gives an empty plan and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from ..domain.contact_plan import PairStatus
from ..domain.method import MethodResult
from ..domain.numbers import parse_plain_decimal
from ..domain.planning import PlannedContact, PlanStatus
from ..i18n import N_, SOURCE_LANGUAGE, Language, available_languages, language
from ..ports import (
    FieldUpdate,
    TargetField,
    TaskClose,
    TaskDraft,
    TaskRecord,
    TaskUpdate,
)

__all__ = [
    "AccountChange",
    "Closing",
    "FieldChange",
    "Reschedule",
    "SyncOptions",
    "SyncPlan",
    "decide",
    "same_value",
    "target_values",
    "task_text",
    "written_in",
]

_SHARE = Decimal("1e-6")


@dataclass(frozen=True, slots=True)
class SyncOptions:
    overwrite_manual_edits: bool = True
    #: ``[plan] closed_status``; ``None`` lets the connector use what its CRM treats as closed.
    closed_status: str | None = None
    #: ``[output] language``: the language of task subjects and descriptions.
    language: str = SOURCE_LANGUAGE


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One target field: ``old`` is the CRM's value now, ``new`` the product's."""

    field: str
    old: str | None
    new: str | None
    manual_edit: bool = False


@dataclass(frozen=True, slots=True)
class AccountChange:
    """Field writes for one account, and manual edits kept as conflicts."""

    account_id: str
    changes: tuple[FieldChange, ...]
    conflicts: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Reschedule:
    task: TaskRecord
    update: TaskUpdate


@dataclass(frozen=True, slots=True)
class Closing:
    task: TaskRecord
    close: TaskClose
    reason: str  # "no longer needs contact" or "duplicate of <id>"


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """Everything one sync writes, and values to confirm in the run log."""

    as_of: date
    computed_at: str
    accounts: tuple[AccountChange, ...]
    create: tuple[TaskDraft, ...]
    reschedule: tuple[Reschedule, ...]
    close: tuple[Closing, ...]
    kept_tasks: int = 0
    confirmed: tuple[tuple[str, str, str | None], ...] = field(default=())

    def field_updates(self) -> list[FieldUpdate]:
        """One update per account with changes; ``computed_at`` rides along with them."""
        updates = []
        for account in self.accounts:
            if not account.changes:
                continue
            values: dict[str, str | None] = {c.field: c.new for c in account.changes}
            values[TargetField.COMPUTED_AT.value] = self.computed_at
            updates.append(FieldUpdate(account.account_id, values))
        return updates

    @property
    def accounts_to_update(self) -> int:
        """Accounts with field changes (counted without building the updates)."""
        return sum(1 for account in self.accounts if account.changes)

    @property
    def writes(self) -> int:
        """Records this plan writes (field updates count one per account)."""
        return self.accounts_to_update + len(self.create) + len(self.reschedule) + len(self.close)

    def totals(self) -> dict[str, int]:
        return {
            "accounts_changed": self.accounts_to_update,
            "fields_changed": sum(len(a.changes) for a in self.accounts),
            "manual_edits_overwritten": sum(
                1 for a in self.accounts for c in a.changes if c.manual_edit
            ),
            "conflicts_kept": sum(len(a.conflicts) for a in self.accounts),
            "tasks_to_create": len(self.create),
            "tasks_to_reschedule": len(self.reschedule),
            "tasks_to_close": len(self.close),
            "tasks_kept": self.kept_tasks,
        }


def _share(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(_SHARE, ROUND_HALF_EVEN), "f")


def target_values(result: MethodResult) -> dict[str, dict[str, str | None]]:
    """The product's value of every target field per account (``computed_at`` excepted)."""
    positions = {rated.account_id: rated for rated in result.rating.accounts}
    shares = {c.account_id: c.revenue_share for c in result.segmentation.customers}
    gaps = result.open_gaps()
    values: dict[str, dict[str, str | None]] = {}
    for account_id in result.accounts:
        rated = positions.get(account_id)
        coverage = result.coverage.get(account_id) if result.coverage is not None else None
        values[account_id] = {
            TargetField.SEGMENT.value: result.segments[account_id].value,
            TargetField.REVENUE.value: format(result.revenue.revenue_of(account_id), "f"),
            TargetField.REVENUE_SHARE.value: _share(shares.get(account_id)),
            TargetField.RATING_POSITION.value: str(rated.position) if rated else None,
            TargetField.RATING_POINTS.value: format(rated.points, "f") if rated else None,
            TargetField.DMU_COVERAGE.value: _share(coverage),
            TargetField.OPEN_GAPS.value: (
                str(gaps.get(account_id, 0)) if result.has_contact_plan else None
            ),
        }
    return values


def same_value(left: str | None, right: str | None) -> bool:
    """Equal as a CRM shows them: empty is no value, numbers compare by value (1.50 == 1.5)."""
    left, right = left or None, right or None
    if left == right:
        return True
    if left is None or right is None:
        return False
    a, b = parse_plain_decimal(left), parse_plain_decimal(right)
    return a is not None and b is not None and a == b


def _account_change(
    account_id: str,
    wanted: Mapping[str, str | None],
    current: Mapping[str, str],
    written: Mapping[str, str],
    options: SyncOptions,
    confirmed: list[tuple[str, str, str | None]],
) -> AccountChange | None:
    changes: list[FieldChange] = []
    conflicts: list[FieldChange] = []
    for name, new in wanted.items():
        old = current.get(name)
        last = written.get(name)
        if same_value(old, new):
            if not same_value(last, new):
                confirmed.append((account_id, name, new))
            continue
        edited = last is not None and not same_value(old, last)
        change = FieldChange(name, old, new, manual_edit=edited)
        if edited and not options.overwrite_manual_edits:
            conflicts.append(change)
        else:
            changes.append(change)
    if not changes and not conflicts:
        return None
    return AccountChange(account_id, tuple(changes), tuple(conflicts))


def _rule_text(planned: PlannedContact, lang: Language) -> str:
    return "; ".join(
        lang._("%(psu)s meets %(dmu)s every %(days)s days")
        % {"psu": lang._(r.psu.value), "dmu": lang._(r.dmu.value), "days": r.every_days}
        for r in planned.pair.rules
    )


#: The last line of every task description; it names the key and, by its words, the language
#: the task was written in (see :func:`written_in`).
_SIGNATURE = N_("Planned by crm-accounts; task key %(key)s.")


def task_text(
    planned: PlannedContact, result: MethodResult, lang: Language | None = None
) -> tuple[str, str]:
    """Subject and description of the CRM task: who, and why (rule, last contact, gap).

    Texts are in ``lang`` (default English); dates in the language's format.
    """
    lang = lang or language()
    _ = lang._
    pair = planned.pair
    contact = result.contacts.get(pair.contact_id)
    account = result.accounts.get(pair.account_id)
    contact_name = contact.name if contact else pair.contact_id
    account_name = account.name if account else pair.account_id
    subject = _("Contact %(contact)s (%(account)s)") % {
        "contact": contact_name, "account": account_name
    }  # fmt: skip
    if pair.status is PairStatus.NEVER:
        why = _("contact_never: no contact moment in the lookback period")
        last = _("never")
    elif pair.status is PairStatus.OVERDUE:
        why = _("contact_overdue: %(days)s days overdue") % {"days": pair.days_overdue}
        last = lang.day(pair.last_contact)
    else:
        why = _("contact due on %(day)s") % {"day": lang.day(pair.due_date)}
        last = lang.day(pair.last_contact)
    segment = result.segments.get(pair.account_id)
    lines = [
        _("Why: %(why)s.") % {"why": why},
        _("Cadence: %(rules)s (segment %(segment)s).")
        % {"rules": _rule_text(planned, lang), "segment": segment.value if segment else "?"},
        _("Last contact: %(last)s. Due: %(due)s.") % {"last": last, "due": lang.day(pair.due_date)},
        _(_SIGNATURE) % {"key": planned.key},
    ]
    suggestion = result.suggestions.in_use(contact.id) if contact is not None else None
    if contact is not None and suggestion is not None:
        roles = ", ".join(_(key) for key in suggestion.role_keys())
        lines.insert(
            2,
            _("Roles %(roles)s (suggested): from the job title '%(title)s' (matched %(matched)s), "
              "not recorded in the CRM.")
            % {"roles": roles, "title": contact.title, "matched": ", ".join(suggestion.matched)},
        )  # fmt: skip
    description = "\n".join(lines)
    return subject, description


def written_in(task: TaskRecord) -> str | None:
    """The output language an open task of ours was written in, from its description's last
    line; ``None`` when no language's signature is there (the connector did not read the
    description back, or someone rewrote it)."""
    for code in available_languages():
        signature = language(code)._(_SIGNATURE) % {"key": task.key}
        if signature in task.description:
            return code
    return None


def _task_plan(
    result: MethodResult, open_tasks: Iterable[TaskRecord], options: SyncOptions
) -> tuple[list[TaskDraft], list[Reschedule], list[Closing], int]:
    scheduled = {p.key: p for p in result.plan if p.status is PlanStatus.SCHEDULED}
    needed = {p.key for p in result.plan}
    by_key: dict[str, list[TaskRecord]] = {}
    for task in open_tasks:
        by_key.setdefault(task.key, []).append(task)
    lang = language(options.language)
    create: list[TaskDraft] = []
    reschedule: list[Reschedule] = []
    close: list[Closing] = []
    kept = 0
    for key, tasks in sorted(by_key.items()):
        keep, *extra = sorted(tasks, key=lambda t: t.id)
        for duplicate in extra:
            close.append(
                Closing(duplicate, TaskClose(duplicate.id, key, options.closed_status),
                        f"duplicate of {keep.id}")
            )  # fmt: skip
        if key not in needed:
            close.append(
                Closing(keep, TaskClose(keep.id, key, options.closed_status),
                        "no longer needs contact")
            )  # fmt: skip
            continue
        planned = scheduled.get(key)
        if planned is None or planned.planned_date is None:
            kept += 1  # unscheduled this run: the open task stays as it is
            continue
        # Texts are compared by language only: their day counts change every day, and a
        # rewrite each night would cost an API call per task for nothing.
        written = written_in(keep)
        if keep.due_date == planned.planned_date and written in (None, options.language):
            kept += 1  # right already
            continue
        subject, description = task_text(planned, result, lang)
        update = TaskUpdate(keep.id, key, planned.planned_date, subject, description)
        reschedule.append(Reschedule(keep, update))
    for key, planned in scheduled.items():
        if key in by_key or planned.planned_date is None:
            continue
        pair = planned.pair
        subject, description = task_text(planned, result, lang)
        create.append(
            TaskDraft(key, pair.account_id, pair.member_id, pair.contact_id,
                      planned.planned_date, subject, description)
        )  # fmt: skip
    return create, reschedule, close, kept


def decide(
    result: MethodResult,
    current: Mapping[str, Mapping[str, str]],
    open_tasks: Iterable[TaskRecord],
    last_written: Mapping[str, Mapping[str, str]],
    options: SyncOptions,
    computed_at: str,
) -> SyncPlan:
    """The plan that brings the CRM to the method's result, touching only what differs.

    Args:
        result: the method's result for this run.
        current: target-field values the CRM holds now, per account id.
        open_tasks: open tasks the product created earlier (found by their key).
        last_written: values the product last wrote (run log), to detect manual edits.
        options: manual-edit policy and the status for closed tasks.
        computed_at: timestamp written with every changed account.
    """
    confirmed: list[tuple[str, str, str | None]] = []
    accounts = []
    for account_id, wanted in target_values(result).items():
        change = _account_change(
            account_id, wanted, current.get(account_id, {}), last_written.get(account_id, {}),
            options, confirmed,
        )  # fmt: skip
        if change is not None:
            accounts.append(change)
    create, reschedule, close, kept = _task_plan(result, open_tasks, options)
    return SyncPlan(
        as_of=result.as_of,
        computed_at=computed_at,
        accounts=tuple(accounts),
        create=tuple(create),
        reschedule=tuple(reschedule),
        close=tuple(close),
        kept_tasks=kept,
        confirmed=tuple(confirmed),
    )
