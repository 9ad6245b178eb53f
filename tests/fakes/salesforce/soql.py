"""A parser and evaluator for the SOQL subset of ``docs/dev/salesforce-spec.md``. No I/O.

Supported::

    SELECT f1, Rel.f2, convertCurrency(Amount) [alias] FROM Obj
      [WHERE cond] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n]
    SELECT COUNT() FROM Obj [WHERE cond] [LIMIT n]

``cond`` combines ``path op literal`` (``= != <> < <= > >=``), ``path [NOT] IN (literal, ...)``,
``NOT cond`` and parentheses with ``AND`` or ``OR`` (not both at one level, as in real SOQL).
Literals: quoted strings with the escapes of "Quoted String Escape Sequences" (SOQL and SOSL
Reference, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm),
numbers, ``true``/``false``/``null``, dates ``YYYY-MM-DD`` and datetimes ``YYYY-MM-DDThh:mm:ss``
with ``Z`` or ``+hh:mm`` ("Date Formats and Date Literals", same reference); everything
``simple_salesforce.format_soql`` produces. A date literal only compares with date fields and a
datetime literal with datetime fields; a quoted value against a number or date field, or an
unquoted one against a text field, answers ``INVALID_QUERY_FILTER_OPERATOR`` ("value of filter
criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes").

Field and object names are case-insensitive; output keys use the canonical API names. Text
comparisons ignore case, id comparisons use the first 15 characters. Relationship paths
(``Contact.Name``, ``Opportunity.CloseDate``, ``Product2.ProductCode``, polymorphic
``Who``/``What``)
come back nested (``"Contact": {"attributes": {...}, "Name": ...}``, or ``null``), per "Query"
(REST API Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
``COUNT()`` answers ``totalSize`` with no records ("COUNT() and COUNT(fieldName)", SOQL and SOSL
Reference). Anything else (GROUP BY, LIKE, OFFSET, subqueries, date literals such as TODAY)
answers 400 ``MALFORMED_QUERY``; unknown fields ``INVALID_FIELD`` ("No such column 'X' on entity
'Account'. ..."), unknown objects ``INVALID_TYPE``. Messages carry the real
``ERROR at Row:1:Column:N`` layout; for constructs real SOQL accepts but this fake does not, the
message says so. Without ORDER BY, rows come in id (creation) order; nulls sort first. ``query``
leaves archived activities out, ``queryAll`` keeps them (:mod:`.activities`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .schema import NUMBER_TYPES, STRING_TYPES, FieldDef
from .state import Org, RequestError
from .values import Stored, parse_datetime, to_csv, to_json

__all__ = ["Compiled", "Literal", "Query", "compile_query", "parse"]

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2}(?![\dT:]))
    |(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    |(?P<op>!=|<>|<=|>=|=|<|>)
    |(?P<punct>[(),])""",
    re.VERBOSE,
)
_ESCAPES = {
    "n": "\n", "N": "\n", "r": "\r", "R": "\r", "t": "\t", "T": "\t", "b": "\b", "B": "\b",
    "f": "\f", "F": "\f", '"': '"', "'": "'", "\\": "\\",
}  # fmt: skip
_UNSUPPORTED = {
    "GROUP", "HAVING", "OFFSET", "LIKE", "INCLUDES", "EXCLUDES", "TYPEOF", "WITH", "FOR",
    "USING", "ROLLUP", "CUBE", "FIELDS", "FORMAT", "TOLABEL",
}  # fmt: skip
_ID_TEXT = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_ID_TYPES = frozenset({"id", "reference"})
_EXPECTED = {"date": "date", "datetime": "dateTime", "boolean": "boolean", "int": "int"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    value: object
    pos: int


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, date, datetime, boolean, null
    value: object
    pos: int


@dataclass(frozen=True)
class _Path:
    parts: tuple[str, ...]
    pos: int


@dataclass(frozen=True)
class _Select:
    path: _Path
    convert: bool = False
    alias: str | None = None


@dataclass(frozen=True)
class _Compare:
    path: _Path
    op: str
    literal: Literal


@dataclass(frozen=True)
class _In:
    path: _Path
    literals: tuple[Literal, ...]
    negate: bool


@dataclass(frozen=True)
class _Bool:
    op: str  # AND / OR
    parts: tuple[_Cond, ...]


@dataclass(frozen=True)
class _Not:
    part: _Cond


_Cond = _Compare | _In | _Bool | _Not


@dataclass(frozen=True)
class _Order:
    path: _Path
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    """A parsed query (names as written; see :func:`compile_query` for the bound form)."""

    text: str
    object_name: str
    object_pos: int
    fields: tuple[_Select, ...]
    count: bool
    where: _Cond | None
    order: tuple[_Order, ...]
    limit: int | None


def _error(text: str, pos: int, detail: str, code: str = "MALFORMED_QUERY") -> RequestError:
    before = text[:pos]
    row = before.count("\n") + 1
    column = pos - (before.rfind("\n") + 1) + 1
    line = text.splitlines()[row - 1] if text.strip() else ""
    pointer = " " * (column - 1) + "^"
    return RequestError(
        400, code, f"\n{line}\n{pointer}\nERROR at Row:{row}:Column:{column}\n{detail}"
    )


def _unsupported(text: str, pos: int, what: str) -> RequestError:
    return _error(text, pos, f"unexpected token: '{what}' (not supported by the fake Salesforce)")


def _read_string(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            return "".join(out), i + 1
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            end = text.find("'", i + 1)
            literal = text[start : end + 1 if end >= 0 else len(text)]
            raise _error(
                text, start,
                f"Invalid string literal {literal}. Illegal character sequence '\\{nxt}' in "
                "string literal.",
            )  # fmt: skip
        out.append(ch)
        i += 1
    raise _error(text, start, "unexpected token: <EOF>")


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "'":
            value, end = _read_string(text, pos)
            tokens.append(_Token("string", text[pos:end], value, pos))
            pos = end
            continue
        match = _TOKEN.match(text, pos)
        if not match:
            raise _error(text, pos, f"unexpected token: '{text[pos]}'")
        kind = match.lastgroup or ""
        raw = match.group()
        if kind != "ws":
            decoded: object = raw
            if kind == "number":
                decoded = Decimal(raw)
            elif kind == "date":
                decoded = date.fromisoformat(raw)
            elif kind == "datetime":
                decoded = parse_datetime(raw)
            tokens.append(_Token(kind, raw, decoded, pos))
        pos = match.end()
    tokens.append(_Token("eof", "<EOF>", None, len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def keyword(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.text.upper() in words

    def take(self) -> _Token:
        token = self.tok
        self.i += 1
        return token

    def expect_keyword(self, word: str) -> _Token:
        if not self.keyword(word):
            raise self.unexpected()
        return self.take()

    def expect_punct(self, char: str) -> _Token:
        if self.tok.kind != "punct" or self.tok.text != char:
            raise self.unexpected()
        return self.take()

    def unexpected(self) -> RequestError:
        token = self.tok
        if token.kind == "ident" and token.text.upper() in _UNSUPPORTED:
            return _unsupported(self.text, token.pos, token.text)
        shown = token.text if token.kind == "eof" else f"'{token.text}'"
        return _error(self.text, token.pos, f"unexpected token: {shown}")

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        fields, count = self.select_list()
        self.expect_keyword("FROM")
        if self.tok.kind != "ident":
            raise self.unexpected()
        obj = self.take()
        where = order = None
        limit = None
        if self.keyword("WHERE"):
            self.take()
            where = self.condition()
        if self.keyword("ORDER"):
            self.take()
            self.expect_keyword("BY")
            order = self.order_list()
        if self.keyword("LIMIT"):
            self.take()
            token = self.take()
            if token.kind != "number" or not re.fullmatch(r"\d+", token.text):
                raise _error(self.text, token.pos, f"unexpected token: '{token.text}'")
            limit = int(token.text)
        if self.tok.kind != "eof":
            raise self.unexpected()
        if count and order:
            raise _error(self.text, obj.pos, "ORDER BY is not supported with COUNT()")
        return Query(self.text, obj.text, obj.pos, fields, count, where, order or (), limit)

    def select_list(self) -> tuple[tuple[_Select, ...], bool]:
        nxt = self.tokens[self.i + 1]
        if self.keyword("COUNT") and nxt.text == "(":
            self.take()
            self.take()
            if self.tok.text != ")":
                raise _unsupported(self.text, self.tok.pos, self.tok.text)
            self.take()
            return (), True
        items = [self.select_item()]
        while self.tok.text == ",":
            self.take()
            items.append(self.select_item())
        return tuple(items), False

    def select_item(self) -> _Select:
        if self.tok.kind == "punct" and self.tok.text == "(":
            raise _unsupported(self.text, self.tok.pos, "(")
        if self.tok.kind != "ident":
            raise self.unexpected()
        head = self.take()
        if self.tok.text == "(":
            if head.text.lower() != "convertcurrency":
                raise _unsupported(self.text, head.pos, head.text)
            self.take()
            path = self.path()
            self.expect_punct(")")
            alias = None
            if self.tok.kind == "ident" and not self.keyword("FROM"):
                alias = self.take().text
            return _Select(path, convert=True, alias=alias)
        return _Select(_Path(tuple(head.text.split(".")), head.pos))

    def path(self) -> _Path:
        if self.tok.kind != "ident":
            raise self.unexpected()
        token = self.take()
        return _Path(tuple(token.text.split(".")), token.pos)

    def condition(self) -> _Cond:
        parts = [self.term()]
        ops: set[str] = set()
        while self.keyword("AND", "OR"):
            op = self.take()
            ops.add(op.text.upper())
            if len(ops) > 1:
                raise _error(self.text, op.pos, f"unexpected token: '{op.text}'")
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else _Bool(ops.pop(), tuple(parts))

    def term(self) -> _Cond:
        if self.keyword("NOT"):
            self.take()
            return _Not(self.term())
        if self.tok.text == "(" and self.tok.kind == "punct":
            self.take()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        path = self.path()
        negate = False
        if self.keyword("NOT"):
            self.take()
            negate = True
            if not self.keyword("IN"):
                raise self.unexpected()
        if self.keyword("IN"):
            self.take()
            self.expect_punct("(")
            if self.keyword("SELECT"):
                raise _unsupported(self.text, self.tok.pos, "SELECT")
            literals = [self.literal()]
            while self.tok.text == ",":
                self.take()
                literals.append(self.literal())
            self.expect_punct(")")
            return _In(path, tuple(literals), negate)
        if self.tok.kind != "op":
            raise self.unexpected()
        op = self.take().text
        return _Compare(path, "!=" if op == "<>" else op, self.literal())

    def literal(self) -> Literal:
        token = self.tok
        if token.kind in ("string", "number", "date", "datetime"):
            self.take()
            return Literal(token.kind, token.value, token.pos)
        if self.keyword("TRUE", "FALSE"):
            self.take()
            return Literal("boolean", token.text.upper() == "TRUE", token.pos)
        if self.keyword("NULL"):
            self.take()
            return Literal("null", None, token.pos)
        if token.kind == "ident":
            raise _unsupported(self.text, token.pos, token.text)
        raise self.unexpected()

    def order_list(self) -> tuple[_Order, ...]:
        items = []
        while True:
            path = self.path()
            descending = False
            if self.keyword("ASC", "DESC"):
                descending = self.take().text.upper() == "DESC"
            nulls_first = True
            if self.keyword("NULLS"):
                self.take()
                if not self.keyword("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_first = self.take().text.upper() == "FIRST"
            items.append(_Order(path, descending, nulls_first))
            if self.tok.text != ",":
                return tuple(items)
            self.take()


def parse(text: str) -> Query:
    """Parse ``text``.

    Raises:
        RequestError: 400 ``MALFORMED_QUERY`` with the real error layout.
    """
    return _Parser(text).parse()


# --- binding and evaluation ----------------------------------------------------------------


@dataclass(frozen=True)
class _Bound:
    """A resolved path: relationship names along the way and the leaf's canonical name."""

    names: tuple[str, ...]  # canonical relationship names, then the leaf field name
    leaf: FieldDef


@dataclass(frozen=True)
class _Column:
    bound: _Bound
    convert: bool
    key: str  # output key of the leaf (alias or field name)
    header: str  # Bulk CSV column header


class Compiled:
    """A query bound to an org's schema: evaluates, renders JSON records and CSV rows."""

    def __init__(self, org: Org, query: Query, *, all_rows: bool = False) -> None:
        self.org = org
        self.query = query
        #: ``queryAll``: archived (and deleted) rows are included.
        self.all_rows = all_rows
        obj = next(
            (o for o in org.schema.values() if o.name.lower() == query.object_name.lower()), None
        )
        if obj is None:
            raise _error(
                query.text, query.object_pos,
                f"sObject type '{query.object_name}' is not supported. If you are attempting to use"
                " a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
                "INVALID_TYPE",
            )  # fmt: skip
        self.object_name = obj.name
        self.columns = tuple(self._column(s) for s in query.fields)
        keys = [c.header for c in self.columns]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise _error(query.text, 0, f"duplicate field selected: {duplicates[0]}")
        self._where = self._bind_condition(query.where) if query.where else None
        self._order = tuple((self._bind(o.path), o) for o in query.order)

    # binding

    def _bind(self, path: _Path) -> _Bound:
        names, leaf = self._walk(self.object_name, path.parts, path)
        return _Bound(tuple(names), leaf)

    def _walk(
        self, object_name: str, parts: tuple[str, ...], path: _Path
    ) -> tuple[list[str], FieldDef]:
        obj = self.org.schema[object_name]
        if len(parts) == 1:
            leaf = obj.field(parts[0])
            if leaf is None:
                raise _error(
                    self.query.text, path.pos,
                    f"No such column '{parts[0]}' on entity '{object_name}'. If you are attempting "
                    "to use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                    "INVALID_FIELD",
                )  # fmt: skip
            return [leaf.name], leaf
        ref = obj.relationship(parts[0])
        if ref is None or ref.relationship_name is None:
            raise _error(
                self.query.text, path.pos,
                f"Didn't understand relationship '{parts[0]}' in field path. If you are attempting"
                " to use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
                "INVALID_FIELD",
            )  # fmt: skip
        last_error: RequestError | None = None
        for target in ref.reference_to:  # polymorphic: the field must exist on one target
            try:
                names, leaf = self._walk(target, parts[1:], path)
            except RequestError as exc:
                last_error = exc
                continue
            return [ref.relationship_name, *names], leaf
        assert last_error is not None
        raise last_error

    def _column(self, select: _Select) -> _Column:
        bound = self._bind(select.path)
        if select.convert:
            if not self.org.multi_currency:
                raise _error(
                    self.query.text, select.path.pos,
                    "convertCurrency() is only supported in organizations with multiple "
                    "currencies enabled",
                    "INVALID_FIELD",
                )  # fmt: skip
            if bound.leaf.type != "currency":
                raise _error(
                    self.query.text, select.path.pos,
                    f"convertCurrency can only be applied to currency fields: {bound.leaf.name}",
                    "INVALID_FIELD",
                )  # fmt: skip
        key = select.alias or bound.names[-1]
        header = select.alias or ".".join(bound.names)
        return _Column(bound, select.convert, key, header)

    def _bind_condition(self, cond: _Cond) -> Callable[[dict[str, Stored]], bool]:
        if isinstance(cond, _Bool):
            parts = [self._bind_condition(p) for p in cond.parts]
            if cond.op == "AND":
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if isinstance(cond, _Not):
            inner = self._bind_condition(cond.part)
            return lambda r: not inner(r)
        bound = self._bind(cond.path)
        literals = (cond.literal,) if isinstance(cond, _Compare) else cond.literals
        for literal in literals:
            self._check_literal(bound, literal)
        if isinstance(cond, _In):
            wanted = [literal.value for literal in cond.literals]
            negate = cond.negate

            def in_list(record: dict[str, Stored]) -> bool:
                value = self._value(record, bound)
                hit = any(_equal(bound.leaf, value, w) for w in wanted)
                return hit != negate

            return in_list
        op, target = cond.op, cond.literal.value
        return lambda r: _compare(bound.leaf, self._value(r, bound), op, target)

    def _check_literal(self, bound: _Bound, literal: Literal) -> None:
        leaf = bound.leaf
        if literal.kind == "null":
            return
        textual = leaf.type in STRING_TYPES or leaf.type in _ID_TYPES
        if textual:
            ok = literal.kind == "string"
            wanted = "id" if leaf.type in _ID_TYPES else "string"
        elif leaf.type in NUMBER_TYPES:
            ok = literal.kind == "number"
            wanted = _EXPECTED.get(leaf.type, "double")
        else:
            ok = literal.kind == leaf.type
            wanted = _EXPECTED[leaf.type]
        if not ok:
            quotes = (
                "should be enclosed in quotes" if textual else "should not be enclosed in quotes"
            )
            raise _error(
                self.query.text, literal.pos,
                f"value of filter criterion for field '{bound.names[-1]}' must be of type "
                f"{wanted} and {quotes}",
                "INVALID_QUERY_FILTER_OPERATOR",
            )  # fmt: skip
        if leaf.type in _ID_TYPES and not _ID_TEXT.match(str(literal.value)):
            raise _error(
                self.query.text, literal.pos, f"invalid ID field: {literal.value}",
                "INVALID_QUERY_FILTER_OPERATOR",
            )  # fmt: skip

    # evaluation

    def _related(
        self, record: dict[str, Stored], names: tuple[str, ...]
    ) -> tuple[str, dict[str, Stored]] | None:
        object_name, current = self.object_name, record
        for name in names:
            ref = self.org.schema[object_name].relationship(name)
            target = current.get(ref.name) if ref else None
            found = self.org.resolve(target) if isinstance(target, str) else None
            if found is None:
                return None
            object_name, current = found
        return object_name, current

    def _value(self, record: dict[str, Stored], bound: _Bound) -> Stored:
        found = self._related(record, bound.names[:-1])
        return found[1].get(bound.leaf.name) if found else None

    def matches(self) -> list[dict[str, Stored]]:
        """The records the query selects, ordered and limited (hold the org's lock)."""
        rows = [
            r
            for r in self.org.iter_records(self.object_name)
            if (self.all_rows or not (r.get("IsArchived") or r.get("IsDeleted")))
            and (not self._where or self._where(r))
        ]
        for bound, order in reversed(self._order):
            present = [r for r in rows if self._value(r, bound) is not None]
            absent = [r for r in rows if self._value(r, bound) is None]
            present.sort(key=self._sorter(bound), reverse=order.descending)
            rows = absent + present if order.nulls_first else present + absent
        return rows[: self.query.limit] if self.query.limit is not None else rows

    def _sorter(self, bound: _Bound) -> Callable[[dict[str, Stored]], Any]:
        return lambda record: _sort_key(bound.leaf, self._value(record, bound))

    def to_json(self, record: dict[str, Stored], version: str) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": _attributes(self.object_name, record, version)}
        for column in self.columns:
            self._put(out, self.object_name, record, column.bound.names, column, version)
        return out

    def _put(
        self,
        out: dict[str, Any],
        object_name: str,
        record: dict[str, Stored] | None,
        names: tuple[str, ...],
        column: _Column,
        version: str,
    ) -> None:
        if len(names) == 1:
            leaf_def = self.org.schema[object_name].field(names[0]) if record is not None else None
            if record is None or leaf_def is None:
                out[column.key] = None
                return
            value = record.get(leaf_def.name)
            if column.convert:
                value = self.org.convert_currency(object_name, record, leaf_def.name)
            out[column.key] = to_json(leaf_def, value)
            return
        ref = self.org.schema[object_name].relationship(names[0])
        target = record.get(ref.name) if (record is not None and ref) else None
        found = self.org.resolve(target) if isinstance(target, str) else None
        if found is None:
            out[names[0]] = None
            return
        nested = out.get(names[0])
        if not isinstance(nested, dict):
            nested = {"attributes": _attributes(found[0], found[1], version)}
            out[names[0]] = nested
        self._put(nested, found[0], found[1], names[1:], column, version)

    def csv_header(self) -> list[str]:
        return [c.header for c in self.columns]

    def to_csv(self, record: dict[str, Stored]) -> list[str]:
        cells = []
        for column in self.columns:
            found = self._related(record, column.bound.names[:-1])
            if found is None:
                cells.append("")
                continue
            object_name, target = found
            leaf = self.org.schema[object_name].field(column.bound.leaf.name) or column.bound.leaf
            value = target.get(leaf.name)
            if column.convert:
                value = self.org.convert_currency(object_name, target, leaf.name)
            cells.append(to_csv(leaf, value))
        return cells


def compile_query(org: Org, text: str, *, all_rows: bool = False) -> Compiled:
    """Parse and bind ``text`` against ``org``'s schema (hold the org's lock); ``all_rows``
    for ``queryAll`` (archived and deleted rows too).

    Raises:
        RequestError: 400 ``MALFORMED_QUERY``, ``INVALID_FIELD``, ``INVALID_TYPE`` or
            ``INVALID_QUERY_FILTER_OPERATOR``.
    """
    return Compiled(org, parse(text), all_rows=all_rows)


def _attributes(object_name: str, record: dict[str, Stored], version: str) -> dict[str, str]:
    return {
        "type": object_name,
        "url": f"/services/data/v{version}/sobjects/{object_name}/{record['Id']}",
    }


def _normal(leaf: FieldDef, value: object) -> object:
    if leaf.type in _ID_TYPES and isinstance(value, str):
        return value[:15]
    if leaf.type == "multipicklist" and isinstance(value, str):
        return frozenset(v.strip().casefold() for v in value.split(";") if v.strip())
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, datetime | date | Decimal | bool | int):
        return value
    return value


def _equal(leaf: FieldDef, value: Stored, literal: object) -> bool:
    if literal is None or value is None:
        return literal is None and value is None
    if (
        isinstance(value, int | Decimal)
        and not isinstance(value, bool)
        and isinstance(literal, Decimal)
    ):
        return Decimal(value) == literal
    return _normal(leaf, value) == _normal(leaf, literal)


def _compare(leaf: FieldDef, value: Stored, op: str, literal: object) -> bool:
    if op == "=":
        return _equal(leaf, value, literal)
    if op == "!=":
        return not _equal(leaf, value, literal)
    if value is None or literal is None:
        return False
    left, right = _sort_key(leaf, value), _sort_key(leaf, literal)
    try:
        outcome = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}
    except TypeError:
        return False
    return bool(outcome[op])


def _sort_key(leaf: FieldDef, value: object) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if leaf.type == "multipicklist" and isinstance(value, str):
        return value.casefold()
    return _normal(leaf, value)
