"""A small spreadsheet formula evaluator for tests, written apart from the code under test.

It covers what the workbook's formulas use (``IF``, ``ISNUMBER``, ``SUM``, ``SUMPRODUCT``,
arithmetic, comparisons, ``&``, cell references and ranges on one sheet) with Excel's rules:

- an empty cell is 0 next to a number and "" next to text;
- comparisons order numbers < text < booleans, and compare text ignoring case;
- ``SUMPRODUCT`` counts only numbers: booleans and text in its arrays count as 0
  (hence the ``--(...)`` idiom); ``SUM`` over a range ignores text and booleans;
- a formula result "" is text;
- an error value in a cell (``#N/A``, ``#DIV/0!``) is an :class:`XlError`: ``ISNUMBER`` says
  FALSE for it, and any comparison or arithmetic with it fails (Excel would show the error).

Anything else raises :class:`FormulaError`, so a formula shape the evaluator does not know makes
the test fail instead of passing by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FormulaError", "SheetEvaluator", "XlError"]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d+)?)
    |(?P<string>"(?:[^"]|"")*")
    |(?P<func>[A-Z][A-Z0-9.]*)\(
    |(?P<range>\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)
    |(?P<ref>\$?[A-Z]{1,3}\$?\d+)
    |(?P<op><>|<=|>=|[-+*/&=<>(),^])
    )""",
    re.VERBOSE,
)
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


class FormulaError(Exception):
    """A formula or value the evaluator does not handle (an error in Excel terms)."""


class XlError(str):
    """An error value held in a cell; it spreads through every comparison and operation."""

    __slots__ = ()


Value = Any  # None (empty cell), float, str, bool, or a list of those for a range


def _tokens(formula: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    while position < len(formula):
        match = _TOKEN.match(formula, position)
        if match is None or match.end() == position:
            if formula[position:].strip() == "":
                break
            raise FormulaError(f"cannot read {formula[position:]!r} in {formula!r}")
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


def _type_rank(value: Value) -> int:
    if isinstance(value, bool):
        return 2
    if isinstance(value, str):
        return 1
    return 0


def _compare(left: Value, right: Value) -> int:
    for value in (left, right):
        if isinstance(value, XlError):
            raise FormulaError(f"{value}: an error value in a comparison")
    if left is None:
        left = "" if isinstance(right, str) else False if isinstance(right, bool) else 0
    if right is None:
        right = "" if isinstance(left, str) else False if isinstance(left, bool) else 0
    left_rank, right_rank = _type_rank(left), _type_rank(right)
    if left_rank != right_rank:
        return -1 if left_rank < right_rank else 1
    if isinstance(left, str):
        left, right = left.casefold(), right.casefold()
    return (left > right) - (left < right)


_COMPARISONS: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    ">": lambda c: c > 0,
    "<=": lambda c: c <= 0,
    ">=": lambda c: c >= 0,
}


def _number(value: Value) -> float:
    """A value in arithmetic: empty is 0, booleans are 0/1, numeric text converts."""
    if isinstance(value, XlError):
        raise FormulaError(f"{value}: an error value in arithmetic")
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        raise FormulaError(f"#VALUE!: {value!r} in arithmetic") from None


def _elementwise(left: Value, right: Value, op: Callable[[Value, Value], Value]) -> Value:
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            raise FormulaError("#N/A: arrays of different sizes")
        return [op(a, b) for a, b in zip(left, right, strict=True)]
    if isinstance(left, list):
        return [op(a, right) for a in left]
    if isinstance(right, list):
        return [op(left, b) for b in right]
    return op(left, right)


def _binary(symbol: str, left: Value, right: Value) -> Value:
    if symbol in _COMPARISONS:
        test = _COMPARISONS[symbol]
        return _elementwise(left, right, lambda a, b: test(_compare(a, b)))
    if symbol == "&":
        return _elementwise(left, right, lambda a, b: _text(a) + _text(b))
    arithmetic: dict[str, Callable[[float, float], float]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "^": lambda a, b: a**b,
    }
    return _elementwise(left, right, lambda a, b: arithmetic[symbol](_number(a), _number(b)))


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _truth(value: Value) -> bool:
    if isinstance(value, list):
        raise FormulaError("IF on an array")
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    raise FormulaError(f"#VALUE!: {value!r} as a condition")


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class SheetEvaluator:
    """Evaluates the formulas of one worksheet loaded by openpyxl (formulas, not cached values)."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self._cache: dict[tuple[int, int], Value] = {}

    def value(self, row: int, column: int) -> Value:
        """The value a spreadsheet would show in the cell (None for an empty cell)."""
        key = (row, column)
        if key not in self._cache:
            cell = self.sheet.cell(row=row, column=column)
            raw = cell.value
            if cell.data_type == "e" and isinstance(raw, str):
                self._cache[key] = XlError(raw)
            elif cell.data_type == "f" and isinstance(raw, str):
                result = self.evaluate(raw)
                if isinstance(result, list):
                    raise FormulaError(f"array result in {cell.coordinate}")
                self._cache[key] = result
            else:
                self._cache[key] = raw
        return self._cache[key]

    def evaluate(self, formula: str) -> Value:
        tokens = _tokens(formula.removeprefix("="))
        parser = _Parser(tokens, self)
        result = parser.expression()
        if parser.position != len(tokens):
            raise FormulaError(f"trailing tokens in {formula!r}")
        return result

    def reference(self, text: str) -> Value:
        match = _CELL.fullmatch(text)
        assert match is not None
        return self.value(int(match.group(2)), column_index_from_string(match.group(1)))

    def range(self, text: str) -> list[Value]:
        start, end = (_CELL.fullmatch(part) for part in text.split(":"))
        assert start is not None
        assert end is not None
        rows = range(int(start.group(2)), int(end.group(2)) + 1)
        first = column_index_from_string(start.group(1))
        last = column_index_from_string(end.group(1))
        return [self.value(row, column) for row in rows for column in range(first, last + 1)]


class _Parser:
    """Recursive descent: comparison < & < + - < * / < ^ < unary minus < atoms."""

    def __init__(self, tokens: list[tuple[str, str]], sheet: SheetEvaluator) -> None:
        self.tokens = tokens
        self.position = 0
        self.sheet = sheet

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, text: str) -> None:
        token = self._peek()
        if token is None or token[1] != text:
            raise FormulaError(f"expected {text!r} at token {self.position}")
        self.position += 1

    def _binary_level(self, symbols: set[str], lower: Callable[[], Value]) -> Value:
        left = lower()
        while (token := self._peek()) is not None and token[0] == "op" and token[1] in symbols:
            self.position += 1
            left = _binary(token[1], left, lower())
        return left

    def expression(self) -> Value:
        return self._binary_level(set(_COMPARISONS), self._concat)

    def _concat(self) -> Value:
        return self._binary_level({"&"}, self._sum)

    def _sum(self) -> Value:
        return self._binary_level({"+", "-"}, self._product)

    def _product(self) -> Value:
        return self._binary_level({"*", "/"}, self._power)

    def _power(self) -> Value:
        return self._binary_level({"^"}, self._unary)

    def _unary(self) -> Value:
        token = self._peek()
        if token is not None and token == ("op", "-"):
            self.position += 1
            operand = self._unary()
            return _elementwise(operand, None, lambda a, _: -_number(a))
        if token is not None and token == ("op", "+"):
            self.position += 1
            return self._unary()
        return self._atom()

    def _atom(self) -> Value:
        token = self._peek()
        if token is None:
            raise FormulaError("formula ends early")
        kind, text = token
        self.position += 1
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.sheet.reference(text)
        if kind == "range":
            return self.sheet.range(text)
        if kind == "func":
            return self._call(text)
        if text == "(":
            value = self.expression()
            self._take(")")
            return value
        raise FormulaError(f"unexpected {text!r}")

    def _arguments(self) -> list[Callable[[], Value]]:
        """Argument thunks (IF evaluates only the branch it takes); consumes the ')'."""
        thunks: list[Callable[[], Value]] = []
        if self._peek() == ("op", ")"):
            self.position += 1
            return thunks
        while True:
            start = self.position
            self._skip_argument()
            end = self.position
            thunks.append(self._thunk(start, end))
            token = self._peek()
            self.position += 1
            if token == ("op", ")"):
                return thunks
            if token != ("op", ","):
                raise FormulaError("bad argument list")

    def _skip_argument(self) -> None:
        depth = 0
        while (token := self._peek()) is not None:
            if token[0] == "func" or token == ("op", "("):
                depth += 1
            elif token == ("op", ")"):
                if depth == 0:
                    return
                depth -= 1
            elif token == ("op", ",") and depth == 0:
                return
            self.position += 1
        raise FormulaError("unclosed parenthesis")

    def _thunk(self, start: int, end: int) -> Callable[[], Value]:
        def run() -> Value:
            parser = _Parser(self.tokens[start:end], self.sheet)
            value = parser.expression()
            if parser.position != end - start:
                raise FormulaError("trailing tokens in an argument")
            return value

        return run

    def _call(self, name: str) -> Value:
        arguments = self._arguments()
        if name == "IF":
            if len(arguments) != 3:
                raise FormulaError("IF needs three arguments here")
            return arguments[1]() if _truth(arguments[0]()) else arguments[2]()
        values = [argument() for argument in arguments]
        if name == "ISNUMBER":
            (value,) = values
            if isinstance(value, list):
                return [_is_number(item) for item in value]
            return _is_number(value)
        if name == "SUMPRODUCT":
            arrays = [value if isinstance(value, list) else [value] for value in values]
            if len({len(array) for array in arrays}) != 1:
                raise FormulaError("#VALUE!: SUMPRODUCT arrays of different sizes")
            total = 0.0
            for items in zip(*arrays, strict=True):
                product = 1.0
                for item in items:
                    if isinstance(item, XlError):
                        raise FormulaError(f"{item} in SUMPRODUCT")
                    product *= float(item) if _is_number(item) else 0.0
                total += product
            return total
        if name == "SUM":
            total = 0.0
            for value in values:
                if isinstance(value, list):
                    total += sum(float(item) for item in value if _is_number(item))
                else:
                    total += _number(value)
            return total
        raise FormulaError(f"function {name}")
