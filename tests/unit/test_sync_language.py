"""Task texts in the output language: a task's identity is its key, never its words.

Switching ``[output] language`` rewrites the open tasks' subjects and descriptions through the
ordinary reschedule path (same id, same key, same date), creates nothing, and a rerun in the new
language leaves them alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from crm_accounts.i18n import language
from crm_accounts.ports import TaskRecord
from crm_accounts.sync.plan import SyncOptions, decide, task_text, written_in

from .test_sync_plan import AS_OF, KEY, NOW, _result

ENGLISH = SyncOptions()
DUTCH = SyncOptions(language="nl")


def _written(options: SyncOptions, due: date = AS_OF) -> TaskRecord:
    """The open task a previous sync in ``options.language`` created, as the CRM returns it."""
    [draft] = decide(_result(), {}, [], {}, options, NOW).create
    return TaskRecord("T1", draft.key, "a1", "m1", "c1", due, draft.subject, draft.description)


def test_dutch_task_texts_are_dutch_and_keep_the_key() -> None:
    [draft] = decide(_result(), {}, [], {}, DUTCH, NOW).create

    assert draft.key == KEY
    assert draft.subject == "Contact opnemen met Ann (Acme)"
    assert "Waarom: contact_never: geen contactmoment in de terugkijkperiode." in draft.description
    assert "accountmanager spreekt beslisser elke 30 dagen" in draft.description
    assert draft.description.endswith(f"Gepland door crm-accounts; taaksleutel {KEY}.")


def test_the_key_is_the_same_in_every_language() -> None:
    [english] = decide(_result(), {}, [], {}, ENGLISH, NOW).create
    [dutch] = decide(_result(), {}, [], {}, DUTCH, NOW).create

    assert english.key == dutch.key
    assert english.subject != dutch.subject


def test_switching_to_dutch_rewrites_the_open_task_instead_of_creating_another() -> None:
    plan = decide(_result(), {}, [_written(ENGLISH)], {}, DUTCH, NOW)

    assert plan.create == ()
    assert plan.close == ()
    [rewrite] = plan.reschedule
    assert (rewrite.update.id, rewrite.update.key, rewrite.update.due_date) == ("T1", KEY, AS_OF)
    assert rewrite.update.subject == "Contact opnemen met Ann (Acme)"


def test_a_rerun_in_the_same_language_leaves_the_rewritten_task_alone() -> None:
    plan = decide(_result(), {}, [_written(DUTCH)], {}, DUTCH, NOW)

    assert (plan.create, plan.reschedule, plan.close, plan.kept_tasks) == ((), (), (), 1)


def test_switching_back_to_english_rewrites_it_again() -> None:
    plan = decide(_result(), {}, [_written(DUTCH)], {}, ENGLISH, NOW)

    [rewrite] = plan.reschedule
    assert rewrite.update.subject == "Contact Ann (Acme)"
    assert plan.create == ()


def test_a_task_whose_description_was_not_read_back_is_not_rewritten_every_run() -> None:
    unread = replace(_written(ENGLISH), description="")

    plan = decide(_result(), {}, [unread], {}, DUTCH, NOW)

    assert written_in(unread) is None
    assert (plan.create, plan.reschedule, plan.kept_tasks) == ((), (), 1)


def test_the_language_a_task_was_written_in_is_read_from_its_last_line() -> None:
    planned = next(p for p in _result().plan if p.key == KEY)
    _, english = task_text(planned, _result())
    _, dutch = task_text(planned, _result(), language("nl"))

    assert written_in(replace(_written(ENGLISH), description=english)) == "en"
    assert written_in(replace(_written(ENGLISH), description=dutch)) == "nl"
    assert written_in(replace(_written(ENGLISH), description="edited by hand")) is None
