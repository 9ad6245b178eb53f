"""Asking a person about each proposal on a terminal: accept, change or skip. No I/O of its own:
the questions go through an injected ``ask`` function (the CLI passes one that reads the
terminal; tests pass scripted answers).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from .draft import Draft, Setting, Table, Value, toml_key, toml_value

__all__ = ["Ask", "review"]

#: ``ask(question) -> answer``; the answer is stripped by :func:`review`.
Ask = Callable[[str], str]

_MAX_TRIES = 5


def _changed(setting: Setting, answer: str) -> Value | str:
    """The new value from what was typed, or an error message (a ``str`` starting ``!``)."""
    if setting.choices and answer not in setting.choices:
        return f"! choose one of: {', '.join(setting.choices)}"
    if isinstance(setting.value, bool):
        if answer.lower() not in ("true", "false"):
            return "! type true or false"
        return answer.lower() == "true"
    if isinstance(setting.value, int):
        try:
            return int(answer)
        except ValueError:
            return "! type a whole number"
    if isinstance(setting.value, Decimal):
        try:
            return Decimal(answer)
        except InvalidOperation:
            return "! type a number"
    if isinstance(setting.value, list):
        return [part.strip() for part in answer.split(",") if part.strip()]
    return answer


def _one(table: Table, setting: Setting, ask: Ask) -> None:
    named = next((s.value for s in table.settings if s.key == "key"), None) if table.array else None
    where = f"[[{table.name}]] {named}" if named is not None else f"[{table.name}]"
    shown = f"{where}: {toml_key(setting.key)} = {toml_value(setting.value)}"
    if setting.note:
        shown += f"  ({setting.note})"
    for _ in range(_MAX_TRIES):
        answer = ask(f"{shown}\n  accept, change or skip? [A/c/s] ").strip().lower()
        if answer in ("", "a", "accept", "y", "yes"):
            setting.enabled = True
            return
        if answer in ("s", "skip", "n", "no"):
            for skipped in table.settings if setting.required else [setting]:
                skipped.enabled = False
            setting.note = f"skipped on review; was: {setting.note}" if setting.note else "skipped"
            return
        if answer in ("c", "change"):
            hint = f" ({', '.join(setting.choices)})" if setting.choices else ""
            question = f"  new value{hint}: "
            for _ in range(_MAX_TRIES):
                value = _changed(setting, ask(question).strip())
                if not (isinstance(value, str) and value.startswith("! ")):
                    setting.value = value
                    setting.enabled = True
                    setting.note = "changed on review"
                    return
                question = f"  {value[2:]}; new value: "
            return  # too many tries: the proposal stays as it was
    # No usable answer after several tries: keep the proposal, as without a terminal.


def review(draft: Draft, ask: Ask) -> int:
    """Ask about every proposal in ``draft`` (changing it in place) except those of a table
    skipped as a whole; returns how many were asked. An empty answer accepts, so pressing
    Enter throughout gives the file a run without a terminal writes."""
    asked = 0
    for table, setting in draft.proposals():
        if any(s.required and not s.enabled for s in table.settings):
            continue  # its table was skipped as a whole
        _one(table, setting, ask)
        asked += 1
    return asked
