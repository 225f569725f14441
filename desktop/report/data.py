"""What a run report says: the one model that the HTML and PDF renderers, the CLI and the GUI read.

It answers the three questions an educator brings to a run: what did it do to my scenarios (every
changed row, field by field), what did it cost (live and what the other mode would have cost), and
what must I check (flagged, failed and conflicting rows first). ``desktop.report.build`` fills it
from the journal.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from desktop.journal import RunKind
from desktop.report.changes import RowWarning, StateChange

#: Why a row is listed under "Check these first", in the order they are shown.
FAILED, CONFLICT, FLAGGED = "failed", "conflict", "flagged"
ATTENTION_ORDER = (FAILED, CONFLICT, FLAGGED)


@dataclass(frozen=True, slots=True)
class RowEntry:
    """One row of the run as the report shows it."""

    row: int
    case_id: str
    title: str
    status: str
    attention: tuple[str, ...]
    error: str | None
    warnings: tuple[RowWarning, ...]
    conflict_columns: tuple[str, ...]
    states: tuple[StateChange, ...]
    score_before: int | None
    score_after: int | None
    cost_usd: float
    attempts: int

    @property
    def changed(self) -> bool:
        """True when the run changed (or generated) at least one field of this row."""
        return any(state.changed for state in self.states)

    def monitor_state(self) -> tuple[str, dict[str, object]] | None:
        """The state to show on the monitor strip: the first one with a warning, else the first changed."""
        warned = {w.column for w in self.warnings}
        for state in self.states:
            if state.column in warned and state.after:
                return state.column, dict(state.after)
        for state in self.states:
            if state.changed and state.after:
                return state.column, dict(state.after)
        return None


@dataclass(frozen=True, slots=True)
class Summary:
    """The first screen: where, how many, how much, how long, with what."""

    run_id: str
    kind: RunKind
    status: str
    source: str
    scenario_tab: str
    created_at: str
    started_at: str | None
    ended_at: str | None
    duration_sec: float | None
    model: str | None
    endpoint_host: str | None
    rows: int
    completed: int
    flagged: int
    failed: int
    conflicts: int
    #: Rows listed under "Check these first" (a row counts once even with several reasons).
    needs_look: int
    cancelled: int
    unfinished: int
    changed_rows: int
    fields_generated: int
    written: int
    cost_usd: float
    other_mode_usd: float | None
    input_tokens: int
    cached_tokens: int
    output_tokens: int

    @property
    def cached_share(self) -> float:
        """Cached part of the input tokens, 0–1."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else 0.0

    @property
    def is_batch(self) -> bool:
        """True for a Batch API run (so the comparison is with a live run)."""
        return self.kind is RunKind.BATCH


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything the report shows, in the order it is read."""

    summary: Summary
    rows: tuple[RowEntry, ...]
    scores_before: tuple[int, ...]
    scores_after: tuple[int, ...]
    warnings_by_kind: tuple[tuple[str, int], ...]
    #: (seconds since the run started, rows finished so far, cost so far) per finished row.
    timeline: tuple[tuple[float, int, float], ...]
    generated_at: str = field(default_factory=lambda: _dt.datetime.now().isoformat(timespec="seconds"))

    @property
    def attention(self) -> list[RowEntry]:
        """Rows to check first: failed, then conflicts, then flagged, each in row order."""
        rank = {reason: i for i, reason in enumerate(ATTENTION_ORDER)}
        picked = [r for r in self.rows if r.attention]
        return sorted(picked, key=lambda r: (min(rank[a] for a in r.attention), r.row))

    @property
    def changed(self) -> list[RowEntry]:
        """Every row the run changed, in row order."""
        return [r for r in self.rows if r.changed]
