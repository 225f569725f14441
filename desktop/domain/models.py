"""Plain domain objects shared by validation, defaults, sources, the journal and the GUI.

No Qt, no I/O: these are cheap dataclasses so that validating 10,000 rows stays fast.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import StrEnum

#: What a spreadsheet cell can hold once read. Dates and times arrive as ISO strings.
CellValue = str | int | float | bool | None

#: Canonical name of the first vitals column; later states are ``State<N>_Vitals``.
INITIAL_VITALS = "Initial_Vitals"

REQUIRED_FIELDS: tuple[str, ...] = ("HR", "BP", "SpO2", "RR", "waveform")
OPTIONAL_FIELDS: tuple[str, ...] = ("Temp", "EtCO2")
#: Key order used when a vitals object is written back.
CANONICAL_ORDER: tuple[str, ...] = ("HR", "BP", "SpO2", "RR", "Temp", "EtCO2", "waveform")


def state_column(n: int) -> str:
    """Canonical name of the vitals column for state ``n`` (1-based)."""
    return f"State{n}_Vitals"


def to_cell_value(value: object) -> CellValue:
    """Normalise whatever a workbook library returns into a ``CellValue``."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class IssueCode(StrEnum):
    MISSING_FIELD = "missing_field"
    INVALID_JSON = "invalid_json"
    OUT_OF_RANGE = "out_of_range"
    ATYPICAL_VALUE = "atypical_value"
    INVALID_WAVEFORM = "invalid_waveform"
    NONCANONICAL_WAVEFORM = "noncanonical_waveform"
    PLACEHOLDER_VALUE = "placeholder_value"
    INCONSISTENT_STATE = "inconsistent_state"
    DUPLICATE_CASE_ID = "duplicate_case_id"
    MISSING_VALUE = "missing_value"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding on a row. ``field`` is ``"<column>.<key>"`` (e.g. ``Initial_Vitals.HR``),
    a bare column name for whole-cell findings, or ``"Case_ID"``/``"Case_Title"``."""

    severity: Severity
    code: IssueCode
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "code": self.code.value,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """One automatic correction, with the value before and after (JSON-compatible values)."""

    field: str
    old: object
    new: object

    def to_json(self) -> dict[str, object]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(slots=True)
class Scenario:
    """One data row of the scenario tab.

    ``vitals`` maps canonical vitals column names (``Initial_Vitals``, ``State1_Vitals`` …) to the
    raw cell values, in column order; ``context`` maps every other header (as written in the
    sheet) to its raw value.
    """

    row: int
    case_id: str
    title: str = ""
    vitals: dict[str, CellValue] = field(default_factory=dict)
    context: dict[str, CellValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CellChange:
    """A planned or applied change to one cell of the scenario tab."""

    row: int
    column: str  # canonical vitals column name, e.g. "State2_Vitals"
    old: CellValue
    new: CellValue


@dataclass(slots=True)
class RowReport:
    """Validation result of one row."""

    row: int
    case_id: str
    score: int
    issues: list[Issue] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    @property
    def critical_count(self) -> int:
        return sum(1 for i in self.issues if i.severity is Severity.CRITICAL)

    @property
    def warning_count(self) -> int:
        return sum(1 for i in self.issues if i.severity is Severity.WARNING)

    @property
    def worst_severity(self) -> Severity | None:
        for level in (Severity.CRITICAL, Severity.WARNING, Severity.INFO):
            if any(i.severity is level for i in self.issues):
                return level
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "row": self.row,
            "case_id": self.case_id,
            "score": self.score,
            "issues": [i.to_json() for i in self.issues],
            "fixes": [f.to_json() for f in self.fixes],
        }


def scenario_to_dict(scenario: Scenario) -> dict[str, object]:
    """A JSON-compatible copy of a scenario (for the journal)."""
    return {
        "row": scenario.row,
        "case_id": scenario.case_id,
        "title": scenario.title,
        "vitals": dict(scenario.vitals),
        "context": dict(scenario.context),
    }


def scenario_from_dict(data: dict[str, object]) -> Scenario:
    """Inverse of ``scenario_to_dict``."""
    vitals = data.get("vitals") or {}
    context = data.get("context") or {}
    return Scenario(
        row=int(data["row"]),  # type: ignore[call-overload]
        case_id=str(data.get("case_id") or ""),
        title=str(data.get("title") or ""),
        vitals={str(k): to_cell_value(v) for k, v in dict(vitals).items()},  # type: ignore[call-overload]
        context={str(k): to_cell_value(v) for k, v in dict(context).items()},  # type: ignore[call-overload]
    )
