"""Which vitals cells of a row the LLM should generate, and what a generated result adds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from desktop.domain.models import CANONICAL_ORDER, Scenario, Severity
from desktop.domain.validate import validate_vitals
from desktop.domain.vitals import CellKind, parse_cell


def cell_needs_generation(raw: object, column: str) -> bool:
    """True when a vitals cell is empty, a placeholder, not a JSON object, or has a critical issue."""
    parsed = parse_cell(raw)  # type: ignore[arg-type]
    if parsed.kind is not CellKind.OBJECT or parsed.data is None:
        return True
    return any(issue.severity is Severity.CRITICAL for issue in validate_vitals(parsed.data, column))


def columns_to_generate(
    scenario: Scenario, vitals_columns: Sequence[str], *, overwrite: bool = False
) -> list[str]:
    """The vitals columns of ``scenario`` to generate, in sheet order.

    Valid cells are kept unless ``overwrite`` is set.
    """
    if overwrite:
        return list(vitals_columns)
    return [c for c in vitals_columns if cell_needs_generation(scenario.vitals.get(c), c)]


def fields_added(result: Mapping[str, Mapping[str, object]]) -> int:
    """Number of canonical vitals fields in a generated result (the Vitals_Added figure)."""
    return sum(1 for values in result.values() for key in CANONICAL_ORDER if values.get(key) is not None)
