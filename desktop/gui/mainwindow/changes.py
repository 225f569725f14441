"""The main window's checks and changes: Validate, then Auto-fix or Add defaults planned in the
background, previewed cell by cell, written on Apply, and put back with Undo — each write followed by
the source read again and validated (:meth:`SourceController.reload`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from desktop.app.rows import apply_changes, plan_defaults, undo_run, validate_rows
from desktop.domain.models import CellChange, RowReport, Scenario
from desktop.gui.context import AppContext
from desktop.gui.mainwindow.background import Background
from desktop.gui.mainwindow.sources import SourceController
from desktop.gui.rows.change_preview import ChangePlan, ChangePreviewDialog, plan_autofix_changes
from desktop.journal import RunKind

#: How long a message about a change stays in the status bar.
MESSAGE_MS = 8000


class ChangeController(QObject):
    """Validates the context's rows and previews, applies and undoes cell changes to its source.

    ``sources`` reads the rows again after each write; ``parent`` is the window the preview belongs to.
    """

    #: Something to tell the user in the status bar: the text and how long to show it (ms).
    message = Signal(str, int)
    #: A change was applied or undone: whether Undo is possible may have changed.
    undo_changed = Signal()

    def __init__(
        self, context: AppContext, background: Background, sources: SourceController, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._background = background
        self._sources = sources
        self._parent = parent
        self._undo: list[str] = []  # run ids of changes applied in this session, newest last
        #: The open change preview, if any.
        self.preview: ChangePreviewDialog | None = None

    @property
    def undo_stack(self) -> tuple[str, ...]:
        """Run ids of the changes Undo can put back, newest last."""
        return tuple(self._undo)

    @property
    def can_undo(self) -> bool:
        """True when a change of this session can be put back."""
        return bool(self._undo)

    def validate(self) -> None:
        """Validate every loaded row in the background."""
        scenarios = list(self._context.scenarios)
        if scenarios:
            self._background.start(
                "Validating", lambda _ctx: validate_rows(scenarios), on_result=self._validated
            )

    def _validated(self, reports: list[RowReport]) -> None:
        self._context.set_reports({r.row: r for r in reports})

    def _targets(self) -> list[Scenario]:
        """The selected rows (all rows when none is)."""
        context = self._context
        rows = context.selected_rows() or sorted(s.row for s in context.scenarios)
        return [s for s in (context.scenario(r) for r in rows) if s is not None]

    def add_defaults(self) -> None:
        """Plan clinical defaults for the selected rows (all when none) and preview them."""
        if self._context.can_write and self._context.scenarios:
            targets = self._targets()
            self._background.start(
                "Planning defaults",
                lambda ctx: plan_defaults(targets, ctx.progress),
                on_result=lambda changes: self._planned(ChangePlan(RunKind.DEFAULTS, changes)),
            )

    def auto_fix(self) -> None:
        """Plan automatic fixes for the selected rows (all when none) and preview them."""
        if self._context.can_write and self._context.scenarios:
            targets = self._targets()
            self._background.start(
                "Planning auto-fix", lambda _ctx: plan_autofix_changes(targets), on_result=self._planned
            )

    def _planned(self, plan: ChangePlan) -> None:
        if not plan.changes:
            if plan.kind == RunKind.DEFAULTS:
                self.message.emit("Nothing to add: no missing vitals fields in those rows.", MESSAGE_MS)
            else:
                self.message.emit("Nothing to fix: nothing to fix in those rows.", MESSAGE_MS)
            return
        dialog = ChangePreviewDialog(plan, self._context.case_ids(), self._parent)
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
        source = self._context.source
        if source is None or not self._context.can_write:
            return
        label = "Writing defaults" if kind == RunKind.DEFAULTS else "Writing fixes"
        journal, case_ids = self._context.journal, self._context.case_ids()
        self._background.start(
            label,
            lambda _ctx: apply_changes(journal, source, changes, kind, case_ids),
            on_result=lambda run_id: self._applied(kind, run_id, len(changes)),
        )

    def _applied(self, kind: RunKind, run_id: str | None, count: int) -> None:
        if run_id is not None:
            self._undo.append(run_id)
            self.undo_changed.emit()
        what = "clinical defaults" if kind == RunKind.DEFAULTS else "fixes"
        self.message.emit(f"Wrote {what} to {count} cells. Ctrl+Z puts them back.", MESSAGE_MS)
        self._sources.reload()

    def undo(self) -> None:
        """Revert the last applied auto-fix or defaults change."""
        source = self._context.source
        if source is None or not self._undo or not self._context.can_write:
            return
        run_id = self._undo[-1]
        journal = self._context.journal
        self._background.start(
            "Undoing",
            lambda _ctx: undo_run(journal, source, run_id),
            on_result=lambda counts: self._undone(run_id, counts),
        )

    def _undone(self, run_id: str, counts: tuple[int, int]) -> None:
        if run_id in self._undo:
            self._undo.remove(run_id)
            self.undo_changed.emit()
        reverted, skipped = counts
        message = f"Put back {reverted} cells."
        if skipped:
            message += f" {skipped} cells were changed since and were left alone."
        self.message.emit(message, MESSAGE_MS)
        self._sources.reload()
