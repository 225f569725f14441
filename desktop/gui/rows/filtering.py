"""The rows table's status and issue filters as one text per row and one pattern, matched by Qt.

The filter proxy matches the pattern against each row's filter text in Qt's own code: a Python
``filterAcceptsRow`` would be called for every changed row of every update during a run, and each
call from Qt into Python waits for the interpreter lock that the run's worker threads hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRegularExpression

#: Filter value meaning "no filter".
ANY = ""
#: Issue filter value for rows without issues (and rows not validated yet).
NO_ISSUES = "__none__"


def filter_text(status: str, codes: Iterable[str]) -> str:
    """A row's filter text: ``status=COMPLETED;codes=,missing_field,out_of_range,`` (``codes=,`` for none)."""
    listed = ",".join(sorted(codes))
    return f"status={status};codes=,{listed}," if listed else f"status={status};codes=,"


def filter_pattern(status: str, issue: str) -> str:
    """The pattern that matches the filter texts of rows with run ``status`` and issue code ``issue``
    (either may be ``ANY``; ``issue`` may be ``NO_ISSUES``). Empty when nothing is filtered."""
    if status == ANY and issue == ANY:
        return ""
    status_part = "[^;]*" if status == ANY else QRegularExpression.escape(status)
    if issue == ANY:
        codes_part = ".*"
    elif issue == NO_ISSUES:
        codes_part = ",$"
    else:
        codes_part = ".*," + QRegularExpression.escape(issue) + ","
    return f"^status={status_part};codes={codes_part}"
