"""Automatic corrections that cannot change the meaning of a vitals cell (SPEC section 4, ``--auto-fix``).

Placeholders become null, rhythm aliases their canonical name, blood pressure ``"120/80"``, numbers with
units plain numbers, °F temperatures °C, and field keys their canonical spelling. Values outside the
possible range are never guessed. Broken JSON syntax (unquoted keys, single quotes, a trailing comma, a
missing closing brace) is repaired when the repair changes no key or value (``cell_repair``); a cell whose
repair would is left alone and reported in ``AutoFixResult.left_alone``. Fixing twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from desktop.domain.cell_repair import repair_vitals_text
from desktop.domain.models import CellChange, CellValue, Fix, Issue, IssueCode, Scenario, Severity
from desktop.domain.vital_limits import ALL_FIELDS, DIASTOLIC, FAHRENHEIT, RANGES, SYSTOLIC
from desktop.domain.vitals import (
    CellKind,
    canonical_key,
    field_keys,
    format_bp,
    format_vitals,
    is_missing,
    is_placeholder,
    parse_bp,
    parse_cell,
    parse_number_text,
    split_bp_keys,
)
from desktop.domain.waveforms import canonical_waveform

NUMERIC_FIELDS: tuple[str, ...] = tuple(RANGES)


@dataclass
class AutoFixResult:
    """A fixed copy of a row, the cells that changed (old raw → new text), every field fix, and the
    cells with broken JSON that were left alone because repairing them would change a value."""

    scenario: Scenario
    changes: list[CellChange] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    left_alone: list[Issue] = field(default_factory=list)


def _bp_possible(bp: tuple[int, int]) -> bool:
    return SYSTOLIC.hard[0] <= bp[0] <= SYSTOLIC.hard[1] and DIASTOLIC.hard[0] <= bp[1] <= DIASTOLIC.hard[1]


def _fixed_number(name: str, value: object) -> int | float | None:
    """The corrected number for a field value, or None when nothing should change."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        number = parse_number_text(value)
    elif isinstance(value, int | float):
        number = value
    else:
        return None
    if number is None:
        return None
    if name == "Temp" and FAHRENHEIT[0] <= number <= FAHRENHEIT[1]:
        return round((number - 32) * 5 / 9, 1)
    lo, hi = RANGES[name].hard
    if isinstance(value, str) and lo <= number <= hi:
        return number
    return None


def _rename_keys(data: Mapping[str, object], column: str, fixes: list[Fix]) -> dict[str, object]:
    chosen = field_keys(data)
    out: dict[str, object] = {}
    for key, value in data.items():
        name = canonical_key(key)
        if name is not None and key != name and chosen.get(name) == key:
            out[name] = value
            fixes.append(Fix(f"{column}.{name}", key, name))
        else:
            out[key] = value
    return out


def fix_vitals(data: Mapping[str, object], column: str) -> tuple[dict[str, object], list[Fix]]:
    """Fix one vitals object: the corrected copy and one ``Fix`` per field change."""
    fixes: list[Fix] = []
    out = _rename_keys(data, column, fixes)
    for name in ALL_FIELDS:
        if name in out and out[name] is not None and is_placeholder(out[name]):
            fixes.append(Fix(f"{column}.{name}", out[name], None))
            out[name] = None
    if is_missing(out.get("BP")):
        split = split_bp_keys(out)
        bp = parse_bp({"sys": out[split[0]], "dia": out[split[1]]}) if split else None
        if split is not None and bp is not None and _bp_possible(bp):
            old = {split[0]: out.pop(split[0]), split[1]: out.pop(split[1])}
            out["BP"] = format_bp(bp)
            fixes.append(Fix(f"{column}.BP", old, out["BP"]))
    value = out.get("BP")
    if value is not None:
        bp = parse_bp(value)
        if bp is not None and _bp_possible(bp) and value != format_bp(bp):
            out["BP"] = format_bp(bp)
            fixes.append(Fix(f"{column}.BP", value, out["BP"]))
    value = out.get("waveform")
    wave = canonical_waveform(value)
    if wave is not None and wave != value:
        out["waveform"] = wave
        fixes.append(Fix(f"{column}.waveform", value, wave))
    for name in NUMERIC_FIELDS:
        value = out.get(name)
        number = _fixed_number(name, value)
        if number is not None and (number != value or type(number) is not type(value)):
            out[name] = number
            fixes.append(Fix(f"{column}.{name}", value, number))
    return out, fixes


def _cell_text(raw: object) -> CellValue:
    if raw is None or isinstance(raw, str | int | float | bool):
        return raw
    return json.dumps(raw, ensure_ascii=False, default=str)


def _repair(raw: str, column: str, result: AutoFixResult) -> str | None:
    """The repaired and fixed text of a cell with broken JSON, or None (reported) when unsafe."""
    repair = repair_vitals_text(raw)
    if repair.data is None:
        message = f"Auto-fix left {column} alone: {repair.reason}."
        result.left_alone.append(Issue(Severity.INFO, IssueCode.INVALID_JSON, column, message))
        return None
    result.fixes.append(Fix(column, raw, json.dumps(repair.data, ensure_ascii=False)))
    fixed, fixes = fix_vitals(repair.data, column)
    result.fixes.extend(fixes)
    return format_vitals(fixed)


def auto_fix(scenario: Scenario) -> AutoFixResult:
    """Fix every vitals cell of a row; cells without a fix are left exactly as they were."""
    vitals = dict(scenario.vitals)
    result = AutoFixResult(scenario=replace(scenario, vitals=vitals, context=dict(scenario.context)))
    for column, raw in scenario.vitals.items():
        parsed = parse_cell(raw)
        new: CellValue
        if parsed.kind is CellKind.PLACEHOLDER:
            new = None
            result.fixes.append(Fix(column, raw, None))
        elif parsed.data is not None:
            fixed, fixes = fix_vitals(parsed.data, column)
            if not fixes:
                continue
            new = format_vitals(fixed)
            result.fixes.extend(fixes)
        elif parsed.kind is CellKind.INVALID_JSON and isinstance(raw, str):
            repaired = _repair(raw, column, result)
            if repaired is None:
                continue
            new = repaired
        else:
            continue
        vitals[column] = new
        result.changes.append(CellChange(scenario.row, column, _cell_text(raw), new))
    return result
