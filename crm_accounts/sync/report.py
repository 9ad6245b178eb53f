"""The sync plan and its outcome in sales terms, for people and for machines. No I/O.

``describe_plan`` gives lines like "Globex: segment B -> A, rating 3 -> 1; 2 contacts to plan for
M. Jansen, 1 to reschedule, 1 to close"; ``plan_document`` is the same for ``--json``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..domain.method import MethodResult
from ..i18n import N_, Language, language
from .plan import AccountChange, SyncPlan

__all__ = ["AccountLine", "Movement", "describe_plan", "movements", "plan_document"]

_NAMED_FIELDS = {"segment": N_("segment"), "rating_position": N_("rating")}


@dataclass
class AccountLine:
    """What one account gets from the sync."""

    account_id: str
    name: str
    fields: AccountChange | None = None
    create_by_member: Counter[str] = field(default_factory=Counter)
    reschedule: int = 0
    close: int = 0

    def text(self, lang: Language | None = None) -> str:
        """The line in ``lang`` (default English, as ``--json`` carries it)."""
        lang = lang or language()
        _ = lang._
        parts: list[str] = []
        if self.fields is not None:
            named = [
                f"{_(_NAMED_FIELDS[c.field])} {c.old or '-'} -> {c.new or '-'}"
                + (_(" (overwrites a manual edit)") if c.manual_edit else "")
                for c in self.fields.changes
                if c.field in _NAMED_FIELDS
            ]
            others = len(self.fields.changes) - len(named)
            if others:
                named.append(
                    lang.n_(
                        "%(count)s other field updated", "%(count)s other fields updated", others
                    )
                    % {"count": others}
                )
            named += [
                _("%(field)s kept at the manual value %(crm)r (product: %(product)r)")
                % {"field": c.field, "crm": c.old, "product": c.new}
                for c in self.fields.conflicts
            ]
            parts.append(", ".join(named))
        tasks = [
            lang.n_("%(count)s contact to plan for %(member)s",
                    "%(count)s contacts to plan for %(member)s", n)
            % {"count": n, "member": member}
            for member, n in sorted(self.create_by_member.items())
        ]  # fmt: skip
        if self.reschedule:
            tasks.append(_("%(count)s to reschedule") % {"count": self.reschedule})
        if self.close:
            tasks.append(_("%(count)s to close") % {"count": self.close})
        if tasks:
            parts.append(", ".join(tasks))
        return f"{self.name}: " + "; ".join(part for part in parts if part)


def describe_plan(plan: SyncPlan, result: MethodResult) -> list[AccountLine]:
    """One line per account that the plan touches, in account id order."""
    lines: dict[str, AccountLine] = {}

    def line(account_id: str) -> AccountLine:
        if account_id not in lines:
            account = result.accounts.get(account_id)
            lines[account_id] = AccountLine(account_id, account.name if account else account_id)
        return lines[account_id]

    for change in plan.accounts:
        line(change.account_id).fields = change
    for draft in plan.create:
        member = result.members.get(draft.member_id)
        line(draft.account_id).create_by_member[member.name if member else draft.member_id] += 1
    for reschedule in plan.reschedule:
        line(reschedule.task.account_id).reschedule += 1
    for closing in plan.close:
        line(closing.task.account_id).close += 1
    return [lines[key] for key in sorted(lines)]


@dataclass(frozen=True, slots=True)
class Movement:
    """An account whose segment or rating position changed since the previous run.

    Positions are ``None`` for accounts outside the rating (then or now).
    """

    account_id: str
    segment_before: str
    segment_now: str
    position_before: int | None
    position_now: int | None

    def text(self, lang: Language | None = None) -> str:
        _ = (lang or language())._
        parts = []
        if self.segment_before != self.segment_now:
            parts.append(f"{_('segment')} {self.segment_before} -> {self.segment_now}")
        if self.position_before != self.position_now:
            parts.append(
                f"{_('rating')} {_position(self.position_before)} -> {_position(self.position_now)}"
            )
        return f"{self.account_id} " + ", ".join(parts)


def _position(position: int | None) -> str:
    return "-" if position is None else str(position)


def movements(
    result: MethodResult, previous: Mapping[str, tuple[str, int | None]]
) -> list[Movement]:
    """Accounts whose segment or rating position changed since the previous run, by id.

    Accounts the previous run did not know are new, not moved, and are left out.
    """
    positions = result.rating.position_of()
    moved = []
    for account_id, segment in sorted(result.segments.items()):
        before = previous.get(account_id)
        if before is None:
            continue
        now = (segment.value, positions.get(account_id))
        if before != now:
            moved.append(Movement(account_id, before[0], now[0], before[1], now[1]))
    return moved


def plan_document(plan: SyncPlan, result: MethodResult) -> dict[str, Any]:
    """The plan for machines: per-account changes, every task command, totals."""
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for draft in plan.create:
        by_account[draft.account_id].append(
            {"action": "create", "key": draft.key, "member_id": draft.member_id,
             "contact_id": draft.contact_id, "due_date": str(draft.due_date)}
        )  # fmt: skip
    for r in plan.reschedule:
        by_account[r.task.account_id].append(
            {"action": "reschedule", "key": r.task.key, "task_id": r.task.id,
             "member_id": r.task.member_id, "contact_id": r.task.contact_id,
             "due_date": str(r.update.due_date), "previous_due_date": str(r.task.due_date)}
        )  # fmt: skip
    for c in plan.close:
        by_account[c.task.account_id].append(
            {"action": "close", "key": c.task.key, "task_id": c.task.id,
             "member_id": c.task.member_id, "contact_id": c.task.contact_id,
             "status": c.close.status, "reason": c.reason}
        )  # fmt: skip
    accounts = []
    for line in describe_plan(plan, result):
        changes = line.fields.changes if line.fields else ()
        conflicts = line.fields.conflicts if line.fields else ()
        accounts.append(
            {
                "account_id": line.account_id,
                "name": line.name,
                "summary": line.text(),
                "fields": [
                    {"field": c.field, "old": c.old, "new": c.new, "manual_edit": c.manual_edit}
                    for c in changes
                ],
                "conflicts": [
                    {"field": c.field, "crm": c.old, "product": c.new} for c in conflicts
                ],
                "tasks": by_account.get(line.account_id, []),
            }
        )
    return {
        "as_of": str(plan.as_of),
        "computed_at": plan.computed_at,
        "totals": plan.totals(),
        "accounts": accounts,
    }
