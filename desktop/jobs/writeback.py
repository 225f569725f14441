"""Write generated vitals back to the source without overwriting anyone's edit, and revert it.

Before writing, the target cells are read again: a cell that no longer holds what was read when the
run started was changed by someone else, so it is left alone and flagged as a conflict. Every value
replaced is kept in the journal so that ``revert`` can put it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from desktop.domain.models import CellChange, CellValue
from desktop.domain.vitals import format_vitals
from desktop.errors import SimBatchError
from desktop.jobs.report import Say
from desktop.journal import Journal, RowStatus, RowTask, RunKind, RunStatus, WriteRecord
from desktop.services.source import CellRef, Source


def same_cell_value(a: object, b: object) -> bool:
    """Whether two cell values are the same for conflict checks (empty equals empty, 1 equals 1.0)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


@dataclass(slots=True)
class WriteBackOutcome:
    """What one flush wrote, and which cells it left alone."""

    rows: list[int] = field(default_factory=list)
    cells: int = 0
    conflicts: dict[int, list[str]] = field(default_factory=dict)


def _original_vitals(task: RowTask) -> Mapping[str, object]:
    vitals = task.original.get("vitals") if task.original else None
    return vitals if isinstance(vitals, Mapping) else {}


class WriteBack:
    """Flushes a run's generated-but-unwritten results to the source in one batch per flush."""

    def __init__(self, journal: Journal, source: Source, run_id: str) -> None:
        self._journal = journal
        self._source = source
        self._run_id = run_id
        self._recorded: set[tuple[int, str, str]] | None = None
        #: Why the last ``flush_and_report`` could not write (None once one succeeds).
        self.last_error: SimBatchError | None = None

    def _already_recorded(self) -> set[tuple[int, str, str]]:
        if self._recorded is None:
            self._recorded = {
                (entry.row, entry.column, str(entry.value_after))
                for entry in self._journal.writeback_history(self._run_id)
                if not entry.conflict
            }
        return self._recorded

    def flush(self) -> WriteBackOutcome:
        """Write every completed, unwritten row of the run; returns what was written and skipped."""
        outcome = WriteBackOutcome()
        unwritten = self._journal.unwritten_results(self._run_id)
        if not unwritten:
            return outcome
        tasks = [t for t in unwritten if t.result]
        refs = [CellRef(t.row, column) for t in tasks for column in (t.result or {})]
        current = self._source.read_cells(refs) if refs else {}
        writes: dict[CellRef, CellValue] = {}
        records: list[WriteRecord] = []
        recorded = self._already_recorded()
        for task in tasks:
            originals = _original_vitals(task)
            conflicts: list[str] = []
            for column, vitals in (task.result or {}).items():
                ref = CellRef(task.row, column)
                new_value = format_vitals(vitals) if isinstance(vitals, Mapping) else str(vitals)
                now = current.get(ref)
                if same_cell_value(now, new_value):
                    continue  # written before a crash; nothing to do
                if not same_cell_value(now, originals.get(column)):
                    conflicts.append(column)
                    records.append(WriteRecord(task.row, column, now, new_value, conflict=True))
                    continue
                writes[ref] = new_value
                if (task.row, column, new_value) not in recorded:
                    records.append(WriteRecord(task.row, column, now, new_value))
                    recorded.add((task.row, column, new_value))
            if conflicts:
                outcome.conflicts[task.row] = conflicts
        # The history is committed before the write so a crash in between never loses what was replaced.
        if records:
            self._journal.record_writeback(self._run_id, records)
        if writes:
            self._source.write_cells(writes)
        for row, columns in outcome.conflicts.items():
            self._journal.mark_conflict(self._run_id, row, columns)
        outcome.rows = [t.row for t in unwritten]  # rows with nothing to write are done as well
        outcome.cells = len(writes)
        self._journal.mark_written(self._run_id, outcome.rows)
        return outcome

    def flush_and_report(self, say: Say) -> WriteBackOutcome | None:
        """``flush``, telling ``say`` about each conflict. When the source cannot be written, say that
        the results wait in the journal, keep the error in ``last_error`` and return None."""
        try:
            outcome = self.flush()
        except SimBatchError as exc:
            self.last_error = exc
            say(f"Results are safe in the journal but could not be written yet: {exc}", "warning")
            return None
        self.last_error = None
        for row, columns in outcome.conflicts.items():
            say(
                f"Row {row}: {', '.join(columns)} changed since it was read, so it was not overwritten "
                "(conflict).",
                "warning",
            )
        return outcome


@dataclass(slots=True)
class RevertOutcome:
    """What a revert put back, and the cells it skipped because they changed since."""

    reverted: list[CellRef] = field(default_factory=list)
    skipped: list[CellRef] = field(default_factory=list)


def revert_run(
    journal: Journal, source: Source, run_id: str, *, rows: Iterable[int] | None = None
) -> RevertOutcome:
    """Put back the values a run's write-back replaced, skipping cells changed since it wrote them.

    ``rows`` limits the revert to those sheet rows (default: every row of the run).
    """
    wanted = None if rows is None else set(rows)
    entries = [
        e
        for e in journal.writeback_history(run_id)
        if not e.conflict and e.reverted_at is None and (wanted is None or e.row in wanted)
    ]
    outcome = RevertOutcome()
    if not entries:
        return outcome
    refs = [CellRef(e.row, e.column) for e in entries]
    current = source.read_cells(refs)
    writes: dict[CellRef, CellValue] = {}
    reverted_ids: list[int] = []
    for entry, ref in zip(entries, refs, strict=True):
        if ref in writes:
            reverted_ids.append(entry.id)
            continue
        if same_cell_value(current.get(ref), entry.value_after):
            writes[ref] = entry.value_before
            reverted_ids.append(entry.id)
            outcome.reverted.append(ref)
        else:
            outcome.skipped.append(ref)
    if writes:
        source.write_cells(writes)
    journal.mark_reverted(run_id, reverted_ids)
    return outcome


def write_journaled_changes(
    journal: Journal,
    source: Source,
    changes: Sequence[CellChange],
    *,
    kind: RunKind,
    row_spec: str,
    case_ids: Mapping[int, str],
) -> str | None:
    """Write direct cell changes (auto-fix, defaults) as a journaled run, so ``revert`` can undo them.

    The run and the values replaced are committed before the cells are written. Returns the run id,
    or None when there is nothing to write.
    """
    if not changes:
        return None
    rows = sorted({c.row for c in changes})
    run_id = journal.create_run(
        kind=kind,
        source=source.locator,
        scenario_tab=source.scenario_tab,
        row_spec=row_spec,
        model=None,
        settings={},
        rows=[(row, case_ids.get(row, "")) for row in rows],
    )
    journal.set_run_status(run_id, RunStatus.RUNNING)
    journal.record_writeback(run_id, [WriteRecord(c.row, c.column, c.old, c.new) for c in changes])
    source.write_cells({CellRef(c.row, c.column): c.new for c in changes})
    journal.mark_status(run_id, rows, RowStatus.COMPLETED)
    journal.mark_written(run_id, rows)
    journal.set_run_status(run_id, RunStatus.COMPLETED)
    return run_id
