"""gaps.csv and plan.csv are written from their frames by the engine's CSV writer: byte for byte
what the ``csv`` module writes for the same rows (docs/formats.md, the export tables)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_accounts.services.export import _replace_csv, _replace_table

CHARACTERS = st.sampled_from(["a", ",", '"', "\n", "\r", " ", "é", "\t", ";", "\\", "\x00", "😀"])
TEXT = st.one_of(st.none(), st.text(CHARACTERS, max_size=4))
ROWS = st.lists(
    st.tuples(
        TEXT,
        TEXT,
        st.one_of(st.none(), st.integers(-(10**6), 10**6)),
        st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2999, 12, 31))),
    ),
    max_size=6,
)
COLUMNS = ("text", "more_text", "days", "day")
SCHEMA = {"a": pl.String, "b": pl.String, "n": pl.Int64, "d": pl.Date}


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


@settings(max_examples=400, deadline=None)
@given(ROWS)
def test_a_frame_is_written_as_the_csv_module_writes_its_rows(
    rows: list[tuple[str | None, str | None, int | None, date | None]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine, module = Path(scratch) / "engine.csv", Path(scratch) / "module.csv"
        _replace_table(engine, COLUMNS, pl.DataFrame(rows, schema=SCHEMA, orient="row"))
        _replace_csv(module, COLUMNS, iter([[_cell(value) for value in row] for row in rows]))
        assert engine.read_bytes() == module.read_bytes()
