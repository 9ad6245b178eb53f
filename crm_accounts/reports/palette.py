"""Colours shared by the HTML report, its charts and the workbook, so all of them agree.

Pair statuses in the DMU-PSU matrix: ``not_planned`` is a (member, contact) cell the ideal
contact plan does not ask for. Colours are chosen to stay apart for colour-blind readers and in
greyscale print (lightness falls from ok to never).
"""

from __future__ import annotations

from ..domain.contact_plan import PairStatus
from ..domain.model import Segment
from ..i18n import N_

__all__ = ["NOT_PLANNED", "SEGMENT_COLOURS", "STATUS_COLOURS", "STATUS_LABELS"]

NOT_PLANNED = "not_planned"

#: Background colour (hex RGB, no '#') per pair status and for cells the plan does not ask for.
STATUS_COLOURS: dict[str, str] = {
    PairStatus.OK.value: "B7E1CD",
    PairStatus.DUE.value: "FCE8B2",
    PairStatus.OVERDUE.value: "F4B183",
    PairStatus.NEVER.value: "E06666",
    NOT_PLANNED: "EEEEEE",
}

#: Legend words per status (English; shown through the output language's catalog).
STATUS_LABELS: dict[str, str] = {
    PairStatus.OK.value: N_("ok"),
    PairStatus.DUE.value: N_("due"),
    PairStatus.OVERDUE.value: N_("overdue"),
    PairStatus.NEVER.value: N_("never"),
    NOT_PLANNED: N_("not planned"),
}

#: Band colours of the Pareto chart and segment badges.
SEGMENT_COLOURS: dict[str, str] = {
    Segment.A.value: "1F4E79",
    Segment.B.value: "5B9BD5",
    Segment.C.value: "BDD7EE",
    Segment.NONE.value: "D9D9D9",
}
