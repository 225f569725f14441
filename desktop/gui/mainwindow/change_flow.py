"""The main window's checks and changes: Validate, then Auto-fix or Add defaults planned in the
background, previewed cell by cell, written on Apply, and put back with Undo — each write followed by
a reload and a fresh validation."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.app.rows import apply_changes, plan_defaults, reread_and_validate, undo_run, validate_rows
from desktop.domain.models import CellChange, RowReport, Scenario
from desktop.gui.mainwindow.source_loading import SourceLoading
from desktop.gui.rows.change_preview import ChangePlan, ChangePreviewDialog, plan_autofix_changes
from desktop.gui.rows.model import RowEntry, entries_for
from desktop.journal import RunKind
from desktop.services.source import Source

#: Rows read again after a write: the scenarios, their reports by row, and their table entries.
Reread = tuple[list[Scenario], dict[int, RowReport], list[RowEntry]]


def _reread(source: Source) -> Reread:
    """Read the rows again, validate them and make their table entries (worker thread: at the end of a
    1,000-row run, making the entries on the GUI thread was a good part of its longest stall)."""
    scenarios, reports = reread_and_validate(source)
    by_row = {r.row: r for r in reports}
    return scenarios, by_row, entries_for(scenarios, by_row)


class ChangeFlow(SourceLoading):
    """The main window's part that validates rows and previews, applies and undoes cell changes."""

    preview: ChangePreviewDialog | None
    undo_stack: list[str]  # run ids of changes applied in this session, newest last

    @property
    def defaults_preview(self) -> ChangePreviewDialog | None:
        """The open change preview, if any (kept under its first name for callers)."""
        return self.preview

    def validate(self) -> None:
        """Validate every loaded row in the background."""
        if not self.scenarios:
            return
        scenarios = list(self.scenarios.values())
        self.work.start("Validating", lambda _ctx: validate_rows(scenarios), on_result=self._validated)

    def _validated(self, reports: list[RowReport]) -> None:
        self.reports = {r.row: r for r in reports}
        self.model.set_reports(reports)
        self.context.set_reports(self.reports)
        self._refresh_summary()
        self._refresh_detail()

    def _targets(self) -> list[Scenario]:
        rows = self.selected_rows() or sorted(self.scenarios)
        return [self.scenarios[r] for r in rows if r in self.scenarios]

    def add_defaults(self) -> None:
        """Plan clinical defaults for the selected rows (all when none) and preview them."""
        if self.context.can_write and self.scenarios:
            targets = self._targets()
            self.work.start(
                "Planning defaults",
                lambda ctx: plan_defaults(targets, ctx.progress),
                on_result=lambda changes: self._planned(ChangePlan(RunKind.DEFAULTS, changes)),
            )

    def auto_fix(self) -> None:
        """Plan automatic fixes for the selected rows (all when none) and preview them."""
        if self.context.can_write and self.scenarios:
            targets = self._targets()
            self.work.start(
                "Planning auto-fix", lambda _ctx: plan_autofix_changes(targets), on_result=self._planned
            )

    def _case_ids(self) -> dict[int, str]:
        return {row: s.case_id for row, s in self.scenarios.items()}

    def _planned(self, plan: ChangePlan) -> None:
        if not plan.changes:
            if plan.kind == RunKind.DEFAULTS:
                message = "Nothing to add: no missing vitals fields in those rows."
            else:
                message = "Nothing to fix: nothing to fix in those rows."
            self.statusBar().showMessage(message, 8000)
            return
        dialog = ChangePreviewDialog(plan, self._case_ids(), self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self._apply(plan.kind, dialog.changes))
        dialog.finished.connect(self._preview_closed)
        self.preview = dialog
        dialog.open()

    def _preview_closed(self) -> None:
        if self.preview is not None:
            self.preview.deleteLater()
        self.preview = None

    def _apply(self, kind: RunKind, changes: list[CellChange]) -> None:
        if self.source is None or not self.context.can_write:
            return
        label = "Writing defaults" if kind == RunKind.DEFAULTS else "Writing fixes"
        journal, source, case_ids = self.context.journal, self.source, self._case_ids()
        self.work.start(
            label,
            lambda _ctx: apply_changes(journal, source, changes, kind, case_ids),
            on_result=lambda run_id: self._applied(kind, run_id, len(changes)),
        )

    def _applied(self, kind: RunKind, run_id: str | None, count: int) -> None:
        if run_id is not None:
            self.undo_stack.append(run_id)
        what = "clinical defaults" if kind == RunKind.DEFAULTS else "fixes"
        self.statusBar().showMessage(f"Wrote {what} to {count} cells. Ctrl+Z puts them back.", 8000)
        self._reload()

    def undo(self) -> None:
        """Revert the last applied auto-fix or defaults change."""
        if self.source is None or not self.undo_stack or not self.context.can_write:
            return
        run_id = self.undo_stack[-1]
        journal, source = self.context.journal, self.source
        self.work.start(
            "Undoing",
            lambda _ctx: undo_run(journal, source, run_id),
            on_result=lambda counts: self._undone(run_id, counts),
        )

    def _undone(self, run_id: str, counts: tuple[int, int]) -> None:
        if run_id in self.undo_stack:
            self.undo_stack.remove(run_id)
        reverted, skipped = counts
        message = f"Put back {reverted} cells."
        if skipped:
            message += f" {skipped} cells were changed since and were left alone."
        self.statusBar().showMessage(message, 8000)
        self._reload()

    def _reload(self) -> None:
        source = self.source
        if source is not None:
            self.work.start("Reloading", lambda _ctx: _reread(source), on_result=self._reloaded_after_write,
                            local=True)

    def _reloaded_after_write(self, reread: Reread) -> None:
        scenarios, reports, entries = reread
        self._show_rows(scenarios, reports, reread=True, entries=entries)
        self._refresh_run_info()  # the run columns shown are those from before the write
        locator = self.context.locator
        if locator:
            self._cache_rows(locator, scenarios)
