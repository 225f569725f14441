"""What each cell of the rows table shows: text, sort value, tooltip, severity icon and alignment."""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from desktop.app.text import format_count
from desktop.domain.models import Severity
from desktop.gui.rows.columns import (
    COL_CASE,
    COL_COST,
    COL_ISSUES,
    COL_LAST_RUN,
    COL_ROW,
    COL_SCORE,
    COL_SEVERITY,
    COL_STATUS,
    COL_TITLE,
    FILTER_ROLE,
    NEEDS_REVIEW_TEXT,
    NOT_RUN,
    NOT_VALIDATED,
    OK,
    SORT_ROLE,
    RowEntry,
)
from desktop.gui.rows.filtering import filter_text
from desktop.journal import NEEDS_REVIEW

_SEVERITY_RANK = {
    "": -1,
    OK: 0,
    Severity.INFO.value: 1,
    Severity.WARNING.value: 2,
    Severity.CRITICAL.value: 3,
}
_SEVERITY_COLOURS = {
    Severity.CRITICAL.value: "#d32f2f",
    Severity.WARNING.value: "#f9a825",
    Severity.INFO.value: "#1e88e5",
    OK: "#43a047",
}
_SCORE_MAX = 130

_RIGHT_ALIGNED = frozenset((COL_ROW, COL_SCORE, COL_ISSUES, COL_COST))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_SORT = int(SORT_ROLE)
_FILTER = int(FILTER_ROLE)

#: The cells that show each field of a row entry (as text, sort value, tooltip, badge or, for the Row
#: column, the filter text).
_FIELD_COLUMNS: dict[str, frozenset[int]] = {
    "row": frozenset((COL_ROW,)),
    "case_id": frozenset((COL_CASE,)),
    "title": frozenset((COL_TITLE,)),
    "score": frozenset((COL_SCORE, COL_ISSUES, COL_SEVERITY)),
    "issues": frozenset((COL_ISSUES,)),
    "critical": frozenset((COL_ISSUES,)),
    "warnings": frozenset((COL_ISSUES,)),
    "severity": frozenset((COL_SEVERITY,)),
    "status": frozenset((COL_STATUS, COL_ROW)),
    "cost": frozenset((COL_COST,)),
    "last_run": frozenset((COL_LAST_RUN,)),
    "codes": frozenset((COL_ROW,)),
    "claimed_by": frozenset((COL_STATUS,)),
}

_icon_cache: dict[str, QIcon] = {}


def cell_roles(entry: RowEntry, column: int) -> dict[int, Any]:
    """Everything one cell shows, by item data role, as the rows model stores it (GUI thread: icons).

    The Row column also carries the row's filter text (``FILTER_ROLE``).
    """
    roles: dict[int, Any] = {
        _DISPLAY: cell_text(entry, column),
        _SORT: sort_key(entry, column),
        _TOOLTIP: tooltip_text(entry, column),
        _DECORATION: _badge(entry, column),  # None takes a badge away
    }
    if column in _RIGHT_ALIGNED:
        roles[_ALIGNMENT] = _RIGHT
    if column == COL_ROW:
        roles[_FILTER] = filter_text(entry.status, entry.codes)
    return roles


def changed_columns(old: RowEntry, new: RowEntry) -> set[int]:
    """The cells that look different (or filter differently) after a row's entry changed."""
    columns: set[int] = set()
    for name, before, after in zip(RowEntry._fields, old, new, strict=True):
        if before != after:
            columns |= _FIELD_COLUMNS[name]
    return columns


def _badge(entry: RowEntry, column: int) -> QIcon | None:
    if column == COL_SEVERITY and entry.severity:
        return severity_icon(entry.severity)
    if column == COL_STATUS and entry.status == NEEDS_REVIEW:
        return severity_icon(Severity.WARNING.value)
    return None


def severity_icon(severity: str) -> QIcon:
    """A small coloured dot for a severity (created once per severity)."""
    icon = _icon_cache.get(severity)
    if icon is None:
        pixmap = QPixmap(12, 12)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(_SEVERITY_COLOURS.get(severity, "#9e9e9e")))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        icon = QIcon(pixmap)
        _icon_cache[severity] = icon
    return icon


def cell_text(entry: RowEntry, column: int) -> str:
    """What a cell shows."""
    if column == COL_ROW:
        return str(entry.row)
    if column == COL_CASE:
        return entry.case_id
    if column == COL_TITLE:
        return entry.title
    if column == COL_SCORE:
        return NOT_VALIDATED if entry.score is None else str(entry.score)
    if column == COL_ISSUES:
        return NOT_VALIDATED if entry.issues is None else str(entry.issues)
    if column == COL_SEVERITY:
        return entry.severity or NOT_VALIDATED
    if column == COL_COST:
        return "" if entry.cost is None else cost_text(entry.cost)
    if column == COL_LAST_RUN:
        return compact_time(entry.last_run)
    if entry.claimed_by and entry.status in (NOT_RUN, "PENDING", "CANCELLED"):
        return entry.claimed_by[0].upper() + entry.claimed_by[1:]
    return NEEDS_REVIEW_TEXT if entry.status == NEEDS_REVIEW else entry.status


#: The widest text the Last run column shows (its width is measured on it).
COMPACT_TIME_SAMPLE = "30 May 00:00"


def cost_text(cost: float) -> str:
    """A row's cost to four decimals; "$0" when nothing was paid, "< $0.0001" below what four show."""
    if cost <= 0:
        return "$0"
    if cost < 0.00005:
        return "< $0.0001"
    return f"${cost:.4f}"


def compact_time(iso: str) -> str:
    """A journal time as a short local date and time, e.g. ``29 Nov 14:05`` (empty stays empty)."""
    if not iso:
        return ""
    try:
        moment = _dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso[:16].replace("T", " ")
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.day} {_month_name(moment.month)} {moment.hour:02d}:{moment.minute:02d}"


@functools.cache
def _month_name(month: int) -> str:
    """The locale's short month name (strftime imports ``time`` on every call, through PySide's Python
    import hook: the rows table formats a thousand times at the end of a run)."""
    return _dt.date(2000, month, 1).strftime("%b")


def sort_key(entry: RowEntry, column: int) -> Any:
    """A cell's raw value for sorting (numbers as numbers, text case-folded, not validated first)."""
    if column == COL_ROW:
        return entry.row
    if column == COL_CASE:
        return entry.case_id.casefold()
    if column == COL_TITLE:
        return entry.title.casefold()
    if column == COL_SCORE:
        return -1 if entry.score is None else entry.score
    if column == COL_ISSUES:
        return -1 if entry.issues is None else entry.issues
    if column == COL_SEVERITY:
        return _SEVERITY_RANK.get(entry.severity, -1)
    if column == COL_COST:
        return -1.0 if entry.cost is None else entry.cost
    if column == COL_LAST_RUN:
        return entry.last_run
    return entry.status


def tooltip_text(entry: RowEntry, column: int) -> str:
    """A cell's tooltip, in plain words."""
    if column == COL_ROW:
        return f"Sheet row {entry.row}"
    if column == COL_CASE:
        return f"Case ID {entry.case_id}" if entry.case_id else "This row has no Case ID"
    if column == COL_TITLE:
        return entry.title or "This row has no title"
    if entry.score is None and column in (COL_SCORE, COL_ISSUES, COL_SEVERITY):
        return "Not validated yet: press Validate"
    if column == COL_SCORE:
        return f"Quality score {entry.score} of {_SCORE_MAX} (initial vitals)"
    if column == COL_ISSUES:
        warnings = format_count(entry.warnings, "warning")
        return f"{format_count(entry.issues or 0, 'issue')}: {entry.critical} critical, {warnings}"
    if column == COL_SEVERITY:
        if entry.severity == OK:
            return "No issues found"
        return f"Worst issue: {entry.severity}"
    if column == COL_COST:
        return "Cost of the latest run for this row" if entry.cost is not None else "Not run yet"
    if column == COL_LAST_RUN:
        return f"Latest run: {entry.last_run}" if entry.last_run else "Not run yet"
    if entry.status == NEEDS_REVIEW:
        return "Completed and written, but the written vitals have warnings: check them in Review"
    if entry.claimed_by:
        return f"A colleague's SimBatch holds this row: {entry.claimed_by}. Runs here leave it to them."
    return "No enrichment run has touched this row yet" if entry.status == NOT_RUN else entry.status
