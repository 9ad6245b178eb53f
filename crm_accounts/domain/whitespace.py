"""Whitespace (METHOD.md section 4): products comparable top customers buy and one does not yet.
Pure; no I/O.

For every customer X of segment A its peers are the other A customers (with a peer attribute:
only those sharing X's non-empty value). A product X did not buy in the period is a row when the
share of peers that bought it reaches ``min_peer_share``; at most ``max_per_account`` rows per
account, by peer share descending, then product in plain string order. Shares are compared
exactly: ``peers_buying >= min_peer_share * peers`` in decimals, never in binary floats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal, localcontext

from ..errors import ConfigError
from .model import Account
from .revenue import EXACT
from .settings import WhitespaceSettings

__all__ = [
    "MIN_PEERS",
    "WhitespaceRow",
    "check_peer_attribute",
    "find_whitespace",
    "peer_value",
]

#: Accounts with fewer peers than this get no rows: one peer's habits are not a pattern.
MIN_PEERS = 2

_NO_PRODUCTS: Collection[str] = ()


@dataclass(frozen=True, slots=True)
class WhitespaceRow:
    """A product ``account_id`` does not buy, bought by ``peers_buying`` of its ``peers``."""

    account_id: str
    product: str
    peers_buying: int
    peers: int

    @property
    def peer_share(self) -> Decimal:
        with localcontext(prec=EXACT):
            return Decimal(self.peers_buying) / self.peers


def peer_value(raw: str | None) -> str | None:
    """An account's peer-attribute value: trimmed; empty means no value."""
    if raw is None:
        return None
    value = raw.strip()
    return value or None


def find_whitespace(
    group_a: Sequence[str],
    bought: Mapping[str, Collection[str]],
    settings: WhitespaceSettings,
    attribute_of: Callable[[str], str | None] = lambda _: None,
) -> tuple[WhitespaceRow, ...]:
    """The whitespace rows of the segment-A customers ``group_a`` (in segmentation order).

    Args:
        bought: the distinct products each account bought in the period.
        attribute_of: an account's raw ``peer_attribute`` value (only read when one is set).
    """
    if settings.max_per_account <= 0:
        return ()
    circles: dict[str | None, list[str]] = {}
    for account_id in group_a:
        key = peer_value(attribute_of(account_id)) if settings.peer_attribute else ""
        circles.setdefault(key, []).append(account_id)
    ranked = {key: _ranked_products(members, bought) for key, members in circles.items()}
    rows: list[WhitespaceRow] = []
    for account_id in group_a:
        key = peer_value(attribute_of(account_id)) if settings.peer_attribute else ""
        if key is None:
            continue
        peers = len(circles[key]) - 1
        if peers < MIN_PEERS:
            continue
        rows.extend(_rows_of(account_id, peers, ranked[key], bought, settings))
    return tuple(rows)


def _ranked_products(
    members: Sequence[str], bought: Mapping[str, Collection[str]]
) -> list[tuple[str, int]]:
    """Products bought by ``members`` with their number of buyers, most bought first, then by
    product in plain string order."""
    buyers: Counter[str] = Counter()
    for account_id in members:
        buyers.update(bought.get(account_id, _NO_PRODUCTS))
    return sorted(buyers.items(), key=lambda item: (-item[1], item[0]))


def _rows_of(
    account_id: str,
    peers: int,
    ranked: Sequence[tuple[str, int]],
    bought: Mapping[str, Collection[str]],
    settings: WhitespaceSettings,
) -> list[WhitespaceRow]:
    own = frozenset(bought.get(account_id, _NO_PRODUCTS))
    with localcontext(prec=EXACT):
        needed = settings.min_peer_share * peers
    rows: list[WhitespaceRow] = []
    for product, count in ranked:
        if product in own:
            continue  # X is not among its own peers; its purchase is not whitespace anyway
        if count < needed:
            break  # ranked by count: no later product reaches the share either
        rows.append(WhitespaceRow(account_id, product, count, peers))
        if len(rows) == settings.max_per_account:
            break
    return rows


def check_peer_attribute(name: str, attribute_names: Set[str], accounts: Iterable[Account]) -> None:
    """Refuse a ``whitespace.peer_attribute`` that no account has a value for.

    Raises:
        ConfigError: the source offers no such attribute, or no account has a value for it.
    """
    if name not in attribute_names:
        raise ConfigError(
            f"whitespace.peer_attribute: {name!r} is not an account attribute of the source "
            f"(attributes: {', '.join(sorted(attribute_names)) or 'none'})"
        )
    if not any(peer_value(account.attributes.get(name)) for account in accounts):
        raise ConfigError(
            f"whitespace.peer_attribute: no account has a value for {name!r}, so no account "
            "would have peers"
        )
