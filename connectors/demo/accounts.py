"""Accounts and revenue lines of the demo data set; pure (no I/O, no clock).

Account sizes are stratified rather than drawn freely: a seeded permutation of ``range(count)``
(``index * step + offset`` modulo ``count``) gives every account its own size rank, and the rank
picks a quantile of a lognormal distribution. So every seed and every size of data set shows the
same Pareto shape (about a fifth of the customers make four fifths of the revenue), the largest
accounts are known while streaming, and memory per account stays constant.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist
from typing import Literal

from .catalogue import CITIES, COMPANY_STEMS, INDUSTRY_WORDS, PRODUCTS, Product

__all__ = ["AccountPlan", "AccountPlanner", "RevenueLine", "revenue_lines"]

Tier = Literal["large", "medium", "small"]
#: ``active`` buys all year; ``prospect`` never bought; ``lapsed`` bought only before the period;
#: ``net_zero`` had its purchases credited; ``net_negative`` got a credit note in the period for
#: goods bought before it.
Kind = Literal["active", "prospect", "lapsed", "net_zero", "net_negative"]

#: A revenue line: date, amount, margin, product code.
RevenueLine = tuple[date, Decimal, Decimal, str]

_MEDIAN_REVENUE = 15_000.0  # euro per year for the median account
_SIGMA = 1.75  # lognormal spread: about 20% of customers make 80% of revenue
_HISTORY_DAYS = 456  # revenue history: about 15 months before as_of
_CENT = Decimal("0.01")
_NORMAL = NormalDist()
_COMPANY_NAMES = tuple((industry, word) for industry, words in INDUSTRY_WORDS for word in words)
_ASCII = str.maketrans({"\u0131": "i", "ß": "ss", "ø": "o", "'": "", "&": "en"})


@dataclass(frozen=True)
class AccountPlan:
    """One demo account: its accounts.csv cells and what drives its other rows."""

    id: str
    name: str
    domain: str
    industry: str
    city: str
    country: str
    integration_stage: str
    strategic_fit: str
    payment_days: str
    tier: Tier
    kind: Kind
    annual_revenue: float
    from_top: int  # place in size order: 0 for the largest account


def ascii_slug(text: str, separator: str = "") -> str:
    """Lower-case ASCII letters and digits of ``text``, words joined by ``separator``."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII)).encode("ascii", "ignore")
    words = "".join(c if c.isalnum() else " " for c in folded.decode().lower()).split()
    return separator.join(words)


def _coprime_step(count: int, fraction: float) -> int:
    step = max(1, int(count * fraction))
    while math.gcd(step, count) != 1:
        step += 1
    return step


def money(value: float) -> Decimal:
    """Round euros to cents, half up."""
    return Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


class AccountPlanner:
    """Plans account ``index`` (1-based) of ``count`` in constant memory."""

    def __init__(self, seed: int, count: int) -> None:
        if count < 1:
            raise ValueError(f"accounts must be at least 1, got {count}")
        rng = random.Random(f"crm-accounts-demo/{seed}/{count}")
        self._count = count
        self._seed = seed
        self._size_step = _coprime_step(count, rng.uniform(0.55, 0.68))
        self._size_offset = rng.randrange(count)
        names = len(COMPANY_STEMS) * len(_COMPANY_NAMES)
        self._names = names
        self._name_step = _coprime_step(names, rng.uniform(0.3, 0.7))
        self._name_offset = rng.randrange(names)
        self._kind_offset = rng.randrange(100)

    def size_rank(self, index: int) -> int:
        """0 for the smallest account, ``count - 1`` for the largest."""
        return (index * self._size_step + self._size_offset) % self._count

    def plan(self, index: int, rng: random.Random) -> AccountPlan:
        """The account with 1-based ``index``; ``rng`` is that account's own generator."""
        count = self._count
        rank = self.size_rank(index)
        quantile = (rank + rng.uniform(0.05, 0.95)) / count
        annual = math.exp(math.log(_MEDIAN_REVENUE) + _SIGMA * _NORMAL.inv_cdf(quantile))
        tier: Tier = "large" if quantile >= 0.8 else "medium" if quantile >= 0.5 else "small"
        kind = self._kind(index) if tier != "large" else "active"
        slot = (index * self._name_step + self._name_offset) % self._names
        stem = COMPANY_STEMS[slot % len(COMPANY_STEMS)]
        industry, word = _COMPANY_NAMES[slot // len(COMPANY_STEMS)]
        city, country = rng.choice(CITIES)
        legal = rng.choice(("B.V.", "B.V.", "B.V.", "")) if country == "NL" else "BV"
        again = (index - 1) // self._names  # names repeat only beyond a thousand-odd accounts
        base = f"{stem} {word}" + (f" {again + 1}" if again else "")
        from_top = count - 1 - rank
        return AccountPlan(
            id=f"acc-{index:04d}",
            name=f"{base} {legal}".strip(),
            domain=ascii_slug(base, "-") + ".example",
            industry=industry,
            city=city,
            country=country,
            integration_stage=_integration_stage(tier, from_top, rng),
            strategic_fit=_strategic_fit(tier, kind, from_top, rng),
            payment_days=_payment_days(tier, rng),
            tier=tier,
            kind=kind,
            annual_revenue=annual,
            from_top=from_top,
        )

    def _kind(self, index: int) -> Kind:
        # 7919 is prime, so every run of 100 consecutive accounts holds each bucket exactly once.
        bucket = (index * 7919 + self._kind_offset) % 100
        if bucket < 4:
            return "prospect"
        if bucket < 7:
            return "lapsed"
        if bucket == 7:
            return "net_zero"
        if bucket == 8:
            return "net_negative"
        return "active"


def _integration_stage(tier: Tier, from_top: int, rng: random.Random) -> str:
    if from_top == 0:
        return "integrated"  # the largest customer is the strategic partner of the demo
    if from_top == 1:
        return "collaborative"
    draw = rng.random()
    if tier == "large":
        stages = ((0.03, "integrated"), (0.18, "collaborative"), (0.7, "transactional"))
    elif tier == "medium":
        stages = ((0.0, "integrated"), (0.04, "collaborative"), (0.5, "transactional"))
    else:
        stages = ((0.0, "integrated"), (0.0, "collaborative"), (0.3, "transactional"))
    return next((stage for limit, stage in stages if draw < limit), "")


def _strategic_fit(tier: Tier, kind: Kind, from_top: int, rng: random.Random) -> str:
    # Deliberate data-quality problems, placed on large accounts so the rating warns about them.
    if from_top == 2:
        return "n/a"
    if from_top == 6:
        return "7,5"
    if from_top < 2:  # the strategic partners
        return str(rng.randint(8, 10))
    if rng.random() < (0.1 if tier == "large" else 0.2 if kind == "active" else 0.5):
        return ""
    low, high = {"large": (5, 10), "medium": (3, 9), "small": (1, 7)}[tier]
    return str(rng.randint(low, high))


def _payment_days(tier: Tier, rng: random.Random) -> str:
    if rng.random() < 0.1:
        return ""
    terms = (14, 30, 30, 30, 45, 60) if tier == "small" else (30, 30, 45, 60, 60, 90)
    return str(max(7, rng.choice(terms) + rng.randint(-6, 21)))


def revenue_lines(plan: AccountPlan, rng: random.Random, as_of: date) -> Iterator[RevenueLine]:
    """The account's revenue lines over about 15 months before ``as_of``, oldest first."""
    if plan.kind == "prospect":
        return
    size = plan.annual_revenue
    k = min(len(PRODUCTS), max(1, round(1 + 2.2 * math.log(max(size, 300.0) / 300.0))))
    products = rng.sample(PRODUCTS, k)
    weights = [1.0 / (position + 1) for position in range(k)]  # a few products make most lines
    if plan.kind == "active":
        n_lines = max(1, min(120, round(2.5 * max(0.1, math.log(size / 120.0)) ** 1.3)))
        per_line = size * _HISTORY_DAYS / 365 / n_lines
        lines = _orders(rng, products, weights, n_lines, per_line, as_of, 0, _HISTORY_DAYS)
    else:
        n_lines = rng.randint(1, 3)
        per_line = min(size, 20_000.0) / n_lines
        # 380 days and more before as_of is always before a 12-month period.
        first, last = (380, _HISTORY_DAYS) if plan.kind != "net_zero" else (60, 300)
        lines = _orders(rng, products, weights, n_lines, per_line, as_of, first, last)
        if plan.kind != "lapsed":
            credited = [_credit_note(line, 1.0, rng, as_of) for line in lines]
            if plan.kind == "net_negative":  # the goods went back well inside the period
                credited = [(as_of - timedelta(rng.randint(30, 330)), *c[1:]) for c in credited]
            lines.extend(credited)
    lines.sort()
    yield from lines


def _orders(
    rng: random.Random,
    products: list[Product],
    weights: list[float],
    n_lines: int,
    per_line: float,
    as_of: date,
    first_day: int,
    last_day: int,
) -> list[RevenueLine]:
    """About ``n_lines`` invoice lines, grouped into orders of one to three products."""
    lines: list[RevenueLine] = []
    while len(lines) < n_lines:
        when = as_of - timedelta(days=rng.randint(first_day, last_day))
        picked: list[Product] = []
        for _ in range(min(len(products), rng.choice((1, 1, 2, 3)))):
            product = rng.choices(products, weights)[0]
            if product not in picked:
                picked.append(product)
        for product in picked:
            amount = max(1.0, per_line * rng.lognormvariate(0.0, 0.5))
            share = min(0.40, max(0.10, product.margin + rng.uniform(-0.04, 0.04)))
            line = (when, money(amount), money(amount * share), product.code)
            lines.append(line)
            if rng.random() < 0.02:  # returned goods: a credit note a few weeks later
                lines.append(_credit_note(line, rng.choice((1.0, 0.5, 0.25)), rng, as_of))
    return lines


def _credit_note(
    line: RevenueLine, fraction: float, rng: random.Random, as_of: date
) -> RevenueLine:
    when, amount, margin, product = line
    credit_date = min(as_of, when + timedelta(days=rng.randint(5, 40)))
    factor = Decimal(str(fraction))
    return (
        credit_date,
        -(amount * factor).quantize(_CENT, rounding=ROUND_HALF_UP),
        -(margin * factor).quantize(_CENT, rounding=ROUND_HALF_UP),
        product,
    )
