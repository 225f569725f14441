"""Clinical defaults (SPEC section 4): fill only the missing fields of vitals objects, adjusted to the
cell's rhythm. Present fields are never touched; empty and broken cells are left for enrichment."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from desktop.domain.models import CANONICAL_ORDER, CellChange, Scenario
from desktop.domain.vitals import CellKind, field_keys, format_vitals, is_missing, parse_cell, split_bp_keys
from desktop.domain.waveforms import canonical_waveform, get_waveform

DEFAULTS: dict[str, object] = {
    "HR": 80,
    "BP": "120/80",
    "SpO2": 98,
    "RR": 16,
    "Temp": 37.0,
    "EtCO2": 35,
    "waveform": "sinus_ecg",
}


def defaults_for_waveform(waveform: str | None) -> dict[str, object]:
    """The default vitals for a rhythm (a canonical name or an alias); plain defaults when unknown."""
    values = dict(DEFAULTS)
    name = canonical_waveform(waveform)
    if name is not None:
        values.update(get_waveform(name).defaults)
        values["waveform"] = name
    return values


@dataclass
class DefaultsResult:
    """A copy of the row with defaults filled in, the changed cells, and what was added."""

    scenario: Scenario
    changes: list[CellChange] = field(default_factory=list)
    added: int = 0
    added_fields: list[str] = field(default_factory=list)


def fill_defaults(data: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """Fill the missing fields of one vitals object; the new object and the names of the fields added.

    A field is missing when absent, null or a placeholder, under any spelling of its key; blood pressure
    written as separate systolic/diastolic keys counts as present.
    """
    keys = field_keys(data)
    wave_key = keys.get("waveform")
    values = defaults_for_waveform(str(data[wave_key]) if wave_key is not None else None)
    out = dict(data)
    added: list[str] = []
    for name in CANONICAL_ORDER:
        key = keys.get(name)
        if key is not None and not is_missing(data[key]):
            continue
        if name == "BP" and split_bp_keys(data) is not None:
            continue
        if key is not None and key != name:
            del out[key]  # an empty "hr": null gives way to the canonical "HR"
        out[name] = values[name]
        added.append(name)
    return out, added


def apply_defaults(scenario: Scenario) -> DefaultsResult:
    """Fill missing fields in every vitals cell that holds a JSON object."""
    vitals = dict(scenario.vitals)
    result = DefaultsResult(scenario=replace(scenario, vitals=vitals, context=dict(scenario.context)))
    for column, raw in scenario.vitals.items():
        parsed = parse_cell(raw)
        if parsed.kind is not CellKind.OBJECT or parsed.data is None:
            continue
        filled, added = fill_defaults(parsed.data)
        if not added:
            continue
        new = format_vitals(filled)
        vitals[column] = new
        old = raw if raw is None or isinstance(raw, str | int | float | bool) else format_vitals(parsed.data)
        result.changes.append(CellChange(scenario.row, column, old, new))
        result.added += len(added)
        result.added_fields.extend(f"{column}.{name}" for name in added)
    return result
