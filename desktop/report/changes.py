"""A row's vitals before and after a run, field by field, and its warnings sorted by kind (no Qt).

The Review tab and the run report both show a run's work this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from desktop.domain.models import CANONICAL_ORDER, Issue, IssueCode
from desktop.domain.vitals import parse_cell
from desktop.journal import RowTask

#: Short names of the vitals fields, for the warnings chart.
FIELD_LABELS: dict[str, str] = {
    "HR": "Heart rate", "BP": "Blood pressure", "SpO2": "SpO2", "RR": "Resp. rate", "Temp": "Temperature",
    "EtCO2": "EtCO2", "waveform": "Rhythm",
}  # fmt: skip
OTHER_KIND = "Other"


def cell_object(value: object) -> dict[str, object] | None:
    """A vitals cell as a dict: a dict as is, JSON text parsed, anything else (empty, broken) None."""
    if isinstance(value, Mapping):
        return dict(value)
    parsed = parse_cell(value)  # type: ignore[arg-type]
    return dict(parsed.data) if parsed.data is not None else None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one state: before and after, whether the run generated it, and its warnings."""

    field: str
    before: object
    after: object
    generated: bool
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when the value is not the one the row had."""
        return self.before != self.after


@dataclass(frozen=True, slots=True)
class StateChange:
    """One vitals column (a state) of a row before and after the run."""

    column: str
    before: Mapping[str, object] | None
    after: Mapping[str, object] | None
    #: The cell as written in the sheet when it could not be read as vitals (broken JSON, text).
    before_text: str
    fields: tuple[FieldChange, ...]

    @property
    def changed(self) -> bool:
        """True when any field changed."""
        return any(f.changed for f in self.fields)

    @property
    def generated_count(self) -> int:
        """Fields of this state the run generated."""
        return sum(1 for f in self.fields if f.generated)

    @property
    def was_empty(self) -> bool:
        """True when the cell held no usable vitals before the run (generated whole)."""
        return not self.before


@dataclass(frozen=True, slots=True)
class RowWarning:
    """One warning on a row's result: where (column, field), its kind and the sentence."""

    column: str
    field: str
    kind: str
    message: str

    @property
    def text(self) -> str:
        """How it reads beside the row, e.g. ``Initial_Vitals.HR: Heart rate 170 bpm is …``."""
        where = f"{self.column}.{self.field}" if self.field else self.column
        return f"{where}: {self.message}" if where else self.message


def _ordered_keys(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    keys = [k for k in CANONICAL_ORDER if k in before or k in after]
    return keys + sorted(k for k in {*before, *after} if k not in CANONICAL_ORDER)


def state_changes(
    before_cells: Mapping[str, object],
    after_cells: Mapping[str, object],
    *,
    enrichment: bool,
    generated: Mapping[str, Sequence[str]] | None = None,
) -> list[StateChange]:
    """The states a run produced, field by field, in the order the run's result lists them.

    ``generated`` names the fields the model generated per column when the journal recorded them;
    otherwise, in an enrichment run, every field that differs from the row as read was generated.
    """
    states: list[StateChange] = []
    for column, after_raw in after_cells.items():
        raw_before = before_cells.get(column)
        before = cell_object(raw_before)
        after = cell_object(after_raw)
        before_map, after_map = before or {}, after or {}
        named = set(generated.get(column, ())) if generated is not None else None
        fields = []
        for key in _ordered_keys(before_map, after_map):
            old, new = before_map.get(key), after_map.get(key)
            made = key in named if named is not None else enrichment and old != new and new is not None
            fields.append(FieldChange(key, old, new, made))
        text = "" if before is not None or raw_before in (None, "") else str(raw_before)
        states.append(StateChange(column, before, after, text, tuple(fields)))
    return states


def _kind(code: IssueCode | None, key: str) -> str:
    label = FIELD_LABELS.get(key, key or "Row")
    if code is IssueCode.ATYPICAL_VALUE:
        return f"{label}: outside typical range"
    if code is IssueCode.INCONSISTENT_STATE:
        return f"{label}: inconsistent with rhythm or earlier state"
    if code is IssueCode.NONCANONICAL_WAVEFORM:
        return "Rhythm: name not canonical"
    if code is None:
        return OTHER_KIND
    return f"{label}: {code.value.replace('_', ' ')}"


def parse_warning(text: str, columns: Iterable[str], issues: Sequence[Issue]) -> RowWarning | None:
    """A journaled warning (``"<column>.<field>: <message>"``) with its kind; None for a note that is
    not about the row's vitals (e.g. that a price is unknown or that nothing needed generating)."""
    where, sep, message = text.partition(": ")
    if not sep:
        return None
    column, _, key = where.partition(".")
    if column not in set(columns):
        return None
    code = next((i.code for i in issues if i.field == where and i.message == message), None)
    if code is None:
        code = next((i.code for i in issues if i.field == where), None)
    return RowWarning(column, key, _kind(code, key), message)


def journal_generated(task: RowTask) -> dict[str, list[str]] | None:
    """The fields the model wrote per column, when the journal records them (runs since field-level
    generation); None for older runs, whose generated fields are told from the values."""
    return {str(c): list(f) for c, f in task.generated.items()} if task.generated else None


def _flag_warning(flag: Mapping[str, object]) -> RowWarning | None:
    where, message = str(flag.get("field") or ""), str(flag.get("message") or "")
    if not message:
        return None
    column, _, key = where.partition(".")
    try:
        code: IssueCode | None = IssueCode(str(flag.get("code")))
    except ValueError:
        code = None
    return RowWarning(column, key, _kind(code, key), message)


def warnings_of(task: RowTask, states: Sequence[StateChange], issues: Sequence[Issue]) -> list[RowWarning]:
    """The row's journaled warnings about its vitals, each with its kind: the issue objects the journal
    keeps for flagged rows when it has them, else its warning lines matched against ``issues`` (the
    validation of the row after the run)."""
    if task.flags:
        return [w for w in (_flag_warning(f) for f in task.flags) if w is not None]
    columns = [s.column for s in states] + list(task.columns_requested)
    found = (parse_warning(text, columns, issues) for text in task.warnings)
    return [w for w in found if w is not None]


def with_warnings(states: Sequence[StateChange], warnings: Sequence[RowWarning]) -> list[StateChange]:
    """``states`` with each warning attached to its field (the report shows them side by side)."""
    by_field: dict[tuple[str, str], list[str]] = {}
    for w in warnings:
        by_field.setdefault((w.column, w.field), []).append(w.message)
    out = []
    for state in states:
        notes = {f.field: tuple(by_field.get((state.column, f.field), [])) for f in state.fields}
        fields = tuple(
            FieldChange(f.field, f.before, f.after, f.generated, notes[f.field]) for f in state.fields
        )
        out.append(StateChange(state.column, state.before, state.after, state.before_text, fields))
    return out
