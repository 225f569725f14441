"""What the LLM generates for a row, field by field, and how a generated answer merges into a cell.

A vitals cell's valid fields are the author's: they stay as written and go to the model as fixed facts.
Only the fields that are missing or invalid are generated (a *field plan*: column → fields). An empty or
unreadable cell, or one with no valid vitals field at all, is generated whole; so is every cell when the
user chooses overwrite. Keys that are not vitals fields (``Pain``, ``Notes`` …) are always kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from desktop.domain.models import (
    CANONICAL_ORDER,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    IssueCode,
    Scenario,
    Severity,
)
from desktop.domain.vitals import CellKind, canonical_key, is_diastolic_key, is_systolic_key, parse_cell
from desktop.domain.vitals_check import check_vitals

#: Column → the vitals fields to generate for it (in canonical order).
FieldPlan = dict[str, tuple[str, ...]]
#: Every generated field: a whole cell.
WHOLE_CELL: tuple[str, ...] = CANONICAL_ORDER


def _ordered(fields: set[str]) -> tuple[str, ...]:
    return tuple(name for name in CANONICAL_ORDER if name in fields)


def fields_to_generate(raw: object, column: str, *, overwrite: bool = False) -> tuple[str, ...]:
    """The fields of one vitals cell to generate (empty when the cell is kept as it is).

    Generated: every required field that is missing or invalid, every field named by a critical issue
    (out of range, unknown rhythm, a pulse in a pulseless rhythm), and an optional field holding a
    placeholder. A cell is touched only when it has a critical issue; optional fields the author left
    out stay out.
    """
    if overwrite:
        return WHOLE_CELL
    parsed = parse_cell(raw)
    if parsed.kind is not CellKind.OBJECT or parsed.data is None:
        return WHOLE_CELL
    checked = check_vitals(parsed.data, column)
    critical = [i for i in checked.issues if i.severity is Severity.CRITICAL]
    if not critical:
        return ()
    if not checked.valid & set(CANONICAL_ORDER):
        return WHOLE_CELL
    prefix = f"{column}."
    wanted = {name for name in REQUIRED_FIELDS if name not in checked.valid}
    wanted |= {i.field[len(prefix) :] for i in critical if i.field.startswith(prefix)}
    wanted |= {
        name
        for name in OPTIONAL_FIELDS
        if any(i.field == prefix + name and i.code is IssueCode.PLACEHOLDER_VALUE for i in checked.issues)
    }
    return _ordered(wanted & set(CANONICAL_ORDER))


def plan_row(scenario: Scenario, vitals_columns: Sequence[str], *, overwrite: bool = False) -> FieldPlan:
    """The field plan of one row: each vitals column with something to generate, in sheet order."""
    plan: FieldPlan = {}
    for column in vitals_columns:
        fields = fields_to_generate(scenario.vitals.get(column), column, overwrite=overwrite)
        if fields:
            plan[column] = fields
    return plan


def columns_to_generate(
    scenario: Scenario, vitals_columns: Sequence[str], *, overwrite: bool = False
) -> list[str]:
    """The vitals columns of ``scenario`` with anything to generate, in sheet order.

    Valid cells are kept unless ``overwrite`` is set.
    """
    return list(plan_row(scenario, vitals_columns, overwrite=overwrite))


def as_plan(columns: Sequence[str] | Mapping[str, Sequence[str]]) -> FieldPlan:
    """A field plan from a plan, or from a list of columns (each generated whole)."""
    if isinstance(columns, Mapping):
        plan = {str(c): _ordered(set(f) & set(CANONICAL_ORDER)) or WHOLE_CELL for c, f in columns.items()}
    else:
        plan = {str(c): WHOLE_CELL for c in columns}
    if not plan:
        raise ValueError("At least one vitals column must be requested.")
    return plan


def kept_fields(raw: object, fields: Sequence[str]) -> dict[str, object]:
    """The author's part of a cell that ``fields`` will be generated into, in the cell's key order.

    Vitals fields are keyed by their canonical name (``hr`` → ``HR``) with their value untouched;
    separate systolic/diastolic keys are kept unless BP is generated; other keys are kept as they are.
    """
    parsed = parse_cell(raw)
    if parsed.kind is not CellKind.OBJECT or parsed.data is None:
        return {}
    generated = set(fields)
    kept: dict[str, object] = {}
    for key, value in parsed.data.items():
        field = canonical_key(key)
        if field is not None and field in generated:
            continue
        if "BP" in generated and (is_systolic_key(key) or is_diastolic_key(key)):
            continue
        name = field if field is not None and field not in kept else key
        if name in kept:
            continue
        kept[name] = value
    return kept


def merge_cell(raw: object, fields: Sequence[str], generated: Mapping[str, object]) -> dict[str, object]:
    """The cell to write: the author's kept part plus the generated ``fields``, canonical keys first in
    canonical order, then the other keys in the author's order."""
    merged = kept_fields(raw, fields)
    merged.update({name: generated[name] for name in fields if name in generated})
    ordered = {name: merged[name] for name in CANONICAL_ORDER if name in merged}
    ordered.update({key: value for key, value in merged.items() if key not in ordered})
    return ordered


def fields_added(generated: Mapping[str, Sequence[str]]) -> int:
    """Number of vitals fields the model generated for a row (the Vitals_Added figure)."""
    return sum(len(fields) for fields in generated.values())
