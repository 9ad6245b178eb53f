"""Configuration text the CLI tests and the rehearsal servers share: the demo's rating criteria.

The demo's accounts carry ``strategic_fit`` and ``payment_days``; every CRM config that runs the
method on demo data rates on them the same way.
"""

from __future__ import annotations

__all__ = ["method_toml"]

_RATING = """\
[rating]
top = 5
[[rating.criteria]]
key = "revenue"
source = "revenue"
[[rating.criteria]]
key = "fit"
source = "strategic_fit"
[[rating.criteria]]
key = "payment"
source = "payment_days"
better = "lower"

"""


def method_toml(kind: str) -> str:
    """``[source] kind`` and the demo's ``[rating]`` section, ending in a blank line."""
    return f'[source]\nkind = "{kind}"\n\n' + _RATING
