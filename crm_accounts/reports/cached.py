"""Cached formula results in a saved ``.xlsx``: what readers that do not calculate show. No I/O.

A spreadsheet file may store, beside each formula, the value it had when the file was saved
(ECMA-376 Part 1, 18.3.1.96 ``v``; a text result is marked ``t="str"``, 18.18.11). Excel and
LibreOffice recalculate on opening anyway (the workbook asks for it: ``fullCalcOnLoad``), but
previews, mail clients and libraries such as pandas only read the stored value. openpyxl writes
an empty ``<v>`` for every formula, so :func:`with_cached_values` fills in the values the product
computed, in the saved archive, for the cells it is given.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from xml.sax.saxutils import escape

__all__ = ["with_cached_values"]

_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]{1,3}[0-9]+)"(?P<attrs>[^>]*)>(?P<f><f>[^<]*</f>)<v\s*(?:/>|></v>)</c>'
)


def _cell(match: re.Match[str], values: Mapping[str, float | str]) -> str:
    ref, attrs, formula = match["ref"], match["attrs"], match["f"]
    if ref not in values:
        return match.group(0)
    value = values[ref]
    attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
    if isinstance(value, str):
        return f'<c r="{ref}"{attrs} t="str">{formula}<v>{escape(value)}</v></c>'
    return f'<c r="{ref}"{attrs}>{formula}<v>{value!r}</v></c>'


def with_cached_values(archive: bytes, sheet_part: str, values: Mapping[str, float | str]) -> bytes:
    """``archive`` with the cells ``values`` names (``"A6"``) of ``sheet_part`` holding those
    values as their formulas' stored results; other parts are copied unchanged."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == sheet_part:
                text = data.decode("utf-8")
                data = _FORMULA_CELL.sub(lambda m: _cell(m, values), text).encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()
