"""The main window's background actions, run on Qt workers: one foreground action at a time, shown in
the status bar with a busy label, a progress bar and Cancel, plus quiet side work (caching, run info)
that blocks nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton

from desktop.gui.qt.workers import Progress, TaskContext, TaskHandle, local_pool, run_task

log = logging.getLogger(__name__)

R = TypeVar("R")

#: How long closing waits for each background task to notice it was cancelled.
SHUTDOWN_WAIT_SECONDS = 10


class Background:
    """Starts background actions for a window and shows the foreground action's progress in its status bar.

    ``on_busy_changed`` is called whenever an action starts or ends (to enable or disable actions);
    ``on_error(label, error)`` tells the user about a failed action that has no handler of its own.
    """

    def __init__(
        self,
        window: QMainWindow,
        on_busy_changed: Callable[[], None],
        on_error: Callable[[str, BaseException], None],
    ) -> None:
        self._window = window
        self._on_busy_changed = on_busy_changed
        self._on_error = on_error
        self._task: TaskHandle[Any] | None = None
        self._side_tasks: set[TaskHandle[Any]] = set()
        self.closed = False

        self.busy_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the action in progress (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setVisible(False)
        status = window.statusBar()
        status.addPermanentWidget(self.busy_label)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)

    @property
    def busy(self) -> bool:
        """True while a foreground action runs."""
        return self._task is not None

    def start(
        self,
        label: str,
        fn: Callable[[TaskContext], R],
        *,
        on_result: Callable[[R], None],
        on_error: Callable[[BaseException], None] | None = None,
        local: bool = False,
    ) -> None:
        """Run ``fn`` in the background with progress and Cancel shown; ignored while another runs.

        ``local`` queues it with the window's other local refresh work (see ``workers.local_pool``).
        """
        if self.busy or self.closed:
            return

        def done(value: R) -> None:
            self._stop()
            on_result(value)

        def failed(error: BaseException) -> None:
            self._stop()
            if on_error is not None:
                on_error(error)
            else:
                self._on_error(label, error)

        self.busy_label.setText(f"{label}…")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)
        self._task = run_task(
            fn,
            on_result=done,
            on_error=failed,
            on_progress=self._progress,
            on_cancelled=self._cancelled,
            owner=self._window,
            pool=local_pool() if local else None,
        )
        self._on_busy_changed()

    def side(self, fn: Callable[[TaskContext], R], *, on_result: Callable[[R], None]) -> None:
        """Quiet background work that does not block the actions; a failure is only logged."""
        if self.closed:
            return
        holder: list[TaskHandle[R]] = []

        def forget() -> None:
            if holder:
                self._side_tasks.discard(holder[0])

        def finish(value: R) -> None:
            forget()
            if not self.closed:
                on_result(value)

        def failed(error: BaseException) -> None:
            log.warning("Background work failed: %s", error)
            forget()

        handle = run_task(
            fn,
            on_result=finish,
            on_error=failed,
            on_cancelled=forget,
            owner=self._window,
            pool=local_pool(),
        )
        holder.append(handle)
        self._side_tasks.add(handle)

    def cancel(self) -> None:
        """Stop the foreground action; its outcome is dropped."""
        if self._task is not None:
            self._task.cancel()

    def shutdown(self) -> None:
        """Cancel all work and wait briefly for it; nothing starts or reports afterwards."""
        self.closed = True
        for handle in [self._task, *self._side_tasks]:
            if handle is not None:
                handle.cancel()
                handle.wait(SHUTDOWN_WAIT_SECONDS)
        self._task = None
        self._side_tasks.clear()

    def _progress(self, value: Progress) -> None:
        done, total = value
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _cancelled(self) -> None:
        self._stop()
        if not self.closed:
            self._window.statusBar().showMessage("Cancelled.", 5000)

    def _stop(self) -> None:
        self._task = None
        if self.closed:
            return
        self.busy_label.setText("")
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)
        self._on_busy_changed()
