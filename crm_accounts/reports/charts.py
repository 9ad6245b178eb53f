"""Charts for the HTML report, drawn by matplotlib and returned as inline SVG text. No file I/O.

matplotlib is used through its object API (``Figure`` with the SVG canvas), never ``pyplot``, so
no global figure state or GUI backend is involved. Text stays text (``svg.fonttype = none``), so
the SVG is small and searchable and the browser's own sans-serif font draws it: nothing is
fetched. Element ids are prefixed per chart so several charts can share one HTML page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..domain.model import Segment
from ..domain.segmentation import Segmentation
from ..i18n import Language
from .palette import SEGMENT_COLOURS

__all__ = ["pareto_svg", "weekly_load_svg"]

#: The Pareto line is drawn through at most this many points; a million customers would
#: otherwise make a 50 MB page. Band edges and the 80% crossing are always exact points.
MAX_POINTS = 600
#: The weekly-load chart draws at most this many members (the busiest).
MAX_MEMBERS = 30

_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]+" height="[^"]+"')
_RC: dict[str, Any] = {"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 10.0}
_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}


def _svg(figure: Figure, prefix: str, title: str) -> str:
    """The figure as an ``<svg>`` element: no XML prolog, ids prefixed, width fitting its box."""
    FigureCanvasSVG(figure)
    buffer = io.StringIO()
    # matplotlib types rc keys as a Literal of every setting; these are plain strings here.
    params: Any = {**_RC, "svg.hashsalt": prefix}
    with matplotlib.rc_context(params):
        figure.savefig(buffer, format="svg", metadata=_METADATA)
    text = _PROLOG.sub("", buffer.getvalue(), count=1)
    ids = set(_ID.findall(text))

    def rename(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}-{name}" if name in ids else match.group(0)

    text = re.sub(r'(\bid="|href="#|url\(#)([^")]+)', rename, text)
    return _SIZE.sub(
        rf'<svg\1 width="100%" role="img" aria-labelledby="{prefix}-title"', text, count=1
    ).replace(">", f'><title id="{prefix}-title">{escape(title)}</title>', 1)


def _sampled(count: int) -> list[int]:
    """Indexes 0..count-1 thinned to about MAX_POINTS, always keeping the last."""
    if count <= MAX_POINTS:
        return list(range(count))
    step = count / MAX_POINTS
    picked = sorted({int(i * step) for i in range(MAX_POINTS)} | {count - 1})
    return picked


def pareto_svg(
    segmentation: Segmentation, customers_share_for_80: Decimal | None, lang: Language
) -> str:
    """Customers ranked by revenue against cumulative revenue share, with A/B/C bands.

    The x axis is the share of customers (so the picture reads the same for 300 or a million
    customers); the bands show where each segment's customers sit in the ranking; a dashed line
    marks 80% of revenue and where the ranking reaches it.
    """
    customers = segmentation.customers
    count = len(customers)
    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    axes = figure.add_subplot()
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    _ = lang._
    axes.set_xlabel(
        _("customers ranked by revenue (share of %(count)s customers)")
        % {"count": lang.count(count)}
    )
    axes.set_ylabel(_("cumulative share of revenue"))
    axes.grid(True, color="#dddddd", linewidth=0.6)
    if count:
        start = 0
        for segment in (Segment.A, Segment.B, Segment.C):
            members = sum(1 for c in customers if c.segment is segment)
            if members:
                axes.axvspan(
                    start / count, (start + members) / count, color=f"#{SEGMENT_COLOURS[segment]}",
                    alpha=0.55, linewidth=0,
                    label=_("%(segment)s: %(count)s customers")
                    % {"segment": segment.value, "count": lang.count(members)},
                )  # fmt: skip
            start += members
        picked = _sampled(count)
        xs = [0.0] + [(i + 1) / count for i in picked]
        ys = [0.0] + [float(customers[i].cumulative_share) for i in picked]
        axes.plot(xs, ys, color="#1f1f1f", linewidth=1.8, label=_("cumulative revenue"))
    axes.axhline(0.8, color="#c00000", linestyle="--", linewidth=1.0, label=_("80% of revenue"))
    if customers_share_for_80 is not None:
        share = float(customers_share_for_80)
        axes.axvline(share, color="#c00000", linestyle=":", linewidth=1.0)
        axes.annotate(
            _("%(share)s of customers") % {"share": lang.percent(share)},
            xy=(share, 0.8), xytext=(8, -18),
            textcoords="offset points", color="#c00000",
        )  # fmt: skip
    axes.legend(loc="lower right", frameon=True, fontsize=9)
    title = _("Pareto chart: cumulative revenue share, customers by revenue")
    return _svg(figure, "pareto", title)


def weekly_load_svg(
    weeks: Sequence[str],
    load: Mapping[str, Sequence[int]],
    capacity: Mapping[str, int],
    lang: Language,
) -> str:
    """Each member's planned contacts per week as a share of their own weekly capacity.

    A heat map (members down, weeks across) with "planned/capacity" in every cell, so members with
    different capacities compare at a glance. ``load`` maps a member's display name to one count
    per entry of ``weeks``; at most the 30 busiest members are drawn (the table lists everyone).
    """
    names = sorted(load, key=lambda name: (-sum(load[name]), name))[:MAX_MEMBERS]
    height = 1.2 + 0.32 * max(len(names), 1)
    figure = Figure(figsize=(9.0, height), layout="constrained")
    axes = figure.add_subplot()
    shares = [
        [load[name][week] / capacity[name] if capacity[name] else 1.0 for week in range(len(weeks))]
        for name in names
    ]
    image = axes.imshow(
        shares or [[0.0]], cmap="YlOrRd", vmin=0.0, vmax=1.0, aspect="auto",
        interpolation="nearest",
    )  # fmt: skip
    for row, name in enumerate(names):
        for column in range(len(weeks)):
            share = shares[row][column]
            axes.text(
                column, row, f"{load[name][column]}/{capacity[name]}", ha="center", va="center",
                fontsize=8, color="white" if share > 0.7 else "#1f1f1f",
            )  # fmt: skip
    _ = lang._
    labels = [_("week of %(day)s") % {"day": week} for week in weeks]
    axes.set_xticks(range(len(weeks)), labels, fontsize=8)
    axes.set_yticks(range(len(names)), names, fontsize=8)
    axes.tick_params(length=0)
    colourbar = figure.colorbar(image, ax=axes, fraction=0.03, pad=0.01)
    colourbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    colourbar.set_label(_("share of capacity"), fontsize=8)
    title = _("Planned contacts per member and week, share of weekly capacity")
    return _svg(figure, "load", title)
