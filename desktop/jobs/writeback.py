"""Write generated vitals back to the source without overwriting anyone's edit, and revert it.

Before writing, the target cells are read again: a cell that no longer holds what was read when the
run started was changed by someone else, so it is left alone and flagged as a conflict. Every value
replaced is kept in the journal so that ``revert`` can put it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

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


class WriteGate(Protocol):
    """Claims on a shared sheet: which rows this run may write now, and writing them with the check."""

    def allowed_rows(self, rows: Sequence[int]) -> set[int]:
        """The rows whose claim this run holds."""
        ...

    def write(self, values_by_row: Mapping[int, Mapping[CellRef, CellValue]]) -> set[int]:
        """Write each run row's cells with its claim check; the rows refused (nothing of them written).
        Every row the write-back finishes is named, those with nothing to write with no cells."""
        ...


def _same_case(cell: CellValue, case_id: str) -> bool:
    """Whether a Case_ID cell holds ``case_id`` (numbers compare as their text)."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell if cell is not None else "").strip() == case_id.strip()


@dataclass(slots=True)
class WriteBackOutcome:
    """What one flush wrote, and which cells it left alone."""

    rows: list[int] = field(default_factory=list)
    cells: int = 0
    conflicts: dict[int, list[str]] = field(default_factory=dict)


def original_vitals(task: RowTask) -> Mapping[str, object]:
    """The vitals cells of a row as they were read when its run was planned."""
    vitals = task.original.get("vitals") if task.original else None
    return vitals if isinstance(vitals, Mapping) else {}


class WriteBack:
    """Flushes a run's generated-but-unwritten results to the source in one batch per flush."""

    def __init__(
        self, journal: Journal, source: Source, run_id: str, gate: WriteGate | None = None
    ) -> None:
        self._journal = journal
        self._source = source
        self._run_id = run_id
        self._gate = gate
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
        """Write every completed, unwritten row of the run; returns what was written and skipped.

        With a ``gate`` (a sheet shared with colleagues) only rows whose claim this run holds are
        written, each together with its claim check. Each row is found by its case ID, so a row
        moved by someone inserting or sorting rows meanwhile is written where it is now.
        """
        outcome = WriteBackOutcome()
        unwritten = self._journal.unwritten_results(self._run_id)
        if self._gate is not None and unwritten:
            allowed = self._gate.allowed_rows([t.row for t in unwritten])
            unwritten = [t for t in unwritten if t.row in allowed]
        if not unwritten:
            return outcome
        tasks = [t for t in unwritten if t.result]
        where, current = self._locate(tasks)
        writes: dict[int, dict[CellRef, CellValue]] = {}
        records: list[WriteRecord] = []
        recorded = self._already_recorded()
        for task in tasks:
            target = where.get(task.row)
            if target is None:
                outcome.conflicts[task.row] = ["Case_ID"]
                continue
            originals = original_vitals(task)
            conflicts: list[str] = []
            for column, vitals in (task.result or {}).items():
                ref = CellRef(target, column)
                new_value = format_vitals(vitals) if isinstance(vitals, Mapping) else str(vitals)
                now = current.get(ref)
                if same_cell_value(now, new_value):
                    continue  # written before a crash; nothing to do
                if not same_cell_value(now, originals.get(column)):
                    conflicts.append(column)
                    records.append(WriteRecord(target, column, now, new_value, conflict=True))
                    continue
                writes.setdefault(task.row, {})[ref] = new_value
                if (target, column, new_value) not in recorded:
                    records.append(WriteRecord(target, column, now, new_value))
                    recorded.add((target, column, new_value))
            if conflicts:
                outcome.conflicts[task.row] = conflicts
        # The history is committed before the write so a crash in between never loses what was replaced.
        if records:
            self._journal.record_writeback(self._run_id, records)
        refused: set[int] = set()
        if self._gate is not None:
            # Every row goes to the gate, those with nothing left to write too: a row whose cells a
            # colleague filled is only done here if its block is still ours, which the fenced write checks.
            refused = self._gate.write({t.row: writes.get(t.row, {}) for t in unwritten})
        elif writes:
            self._source.write_cells({ref: v for cells in writes.values() for ref, v in cells.items()})
        for row, columns in outcome.conflicts.items():
            if row not in refused:
                self._journal.mark_conflict(self._run_id, row, columns)
        # Rows with nothing to write are done as well; rows refused (claim lost) are not written.
        outcome.rows = [t.row for t in unwritten if t.row not in refused]
        outcome.conflicts = {r: c for r, c in outcome.conflicts.items() if r not in refused}
        outcome.cells = sum(len(cells) for row, cells in writes.items() if row not in refused)
        self._journal.mark_written(self._run_id, outcome.rows)
        return outcome

    def _locate(self, tasks: Sequence[RowTask]) -> tuple[dict[int, int], dict[CellRef, CellValue]]:
        """Where each task's row is now (by case ID) and the current value of its target cells."""
        refs = [CellRef(t.row, column) for t in tasks for column in (t.result or {})]
        refs += [CellRef(t.row, "Case_ID") for t in tasks if t.case_id]
        current = self._source.read_cells(refs) if refs else {}
        where = {t.row: t.row for t in tasks}
        moved = [
            t for t in tasks
            if t.case_id and not _same_case(current.get(CellRef(t.row, "Case_ID")), t.case_id)
        ]
        if not moved:
            return where, current
        found = self._source.locate_cases([t.case_id for t in moved])
        again: list[CellRef] = []
        for task in moved:
            row = found.get(task.case_id.strip())
            if row is None:
                del where[task.row]  # the case is gone from the sheet: nothing is written for it
                continue
            where[task.row] = row
            again += [CellRef(row, column) for column in (task.result or {})]
        if again:
            current.update(self._source.read_cells(again))
        return where, current

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
