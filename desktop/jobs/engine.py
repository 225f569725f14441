"""The live run engine: rows through a worker pool, every state change journaled before it is acted on.

Row states: PENDING → PROCESSING → COMPLETED / FAILED (or back to PENDING when work stops, and
CANCELLED when the user cancels). A run can stop at any moment — crash, kill, Ctrl+C, pause — and
``execute`` on the same run id carries on: rows left PROCESSING go back to PENDING, COMPLETED rows are
never requested again, and results generated but not yet written are written first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from desktop.domain.enrichment import fields_added
from desktop.domain.models import Scenario, scenario_from_dict
from desktop.errors import AuthError, CancelledError, ServiceError, SimBatchError
from desktop.jobs.endpoint_gate import EndpointGate
from desktop.jobs.executor import Executor, ThreadExecutor
from desktop.jobs.live_claims import LiveClaims
from desktop.jobs.live_outcome import (
    ProgressSnapshot,
    RunListener,
    RunOutcome,
    ending_sentence,
    final_status,
    progress_snapshot,
)
from desktop.jobs.live_queue import RowQueue
from desktop.jobs.live_writeback import WRITEBACK_BATCH_ROWS, WRITEBACK_INTERVAL_SEC, LiveWriteBack
from desktop.jobs.progress import ProgressMirror
from desktop.jobs.report import NOTHING_TO_GENERATE, RunReporter
from desktop.jobs.sharing import SharedRows
from desktop.journal import Journal, RowStatus, RowTask, RunStatus
from desktop.services.generation import Generation, LLMRequestError, ReplyRejected
from desktop.services.source import Source

log = logging.getLogger(__name__)

#: Generates a field plan (column → fields) for one scenario (the live LLM client's ``generate``).
Generator = Callable[[Scenario, Mapping[str, Sequence[str]], threading.Event], Generation]


class LiveRun:
    """Executes one journaled live run; ``pause``, ``resume_work``, ``cancel`` and ``interrupt``
    may be called from any thread."""

    def __init__(
        self,
        journal: Journal,
        source: Source,
        run_id: str,
        generate: Generator,
        *,
        workers: int = 8,
        executor: Executor | None = None,
        listener: RunListener | None = None,
        writeback_interval: float = WRITEBACK_INTERVAL_SEC,
        writeback_batch: int = WRITEBACK_BATCH_ROWS,
        mirror_interval: float = 3.0,
        tick: float = 0.2,
        shared: SharedRows | None = None,
    ) -> None:
        self.journal = journal
        self.source = source
        self.run_id = run_id
        self._generate = generate
        self.workers = max(1, workers)
        self._executor = executor or ThreadExecutor()
        self._listener = listener
        self._say = RunReporter(journal, run_id, listener.message if listener is not None else None, log)
        self.mirror = ProgressMirror(journal, source, interval=mirror_interval)
        self._rows = RowQueue()
        self._claims = (
            None if shared is None else LiveClaims(shared, self._rows, self.mirror, self._say, self.workers)
        )
        self.writeback = LiveWriteBack(
            journal, source, run_id, mirror=self.mirror, say=self._say, shared=shared,
            interval=writeback_interval, batch=writeback_batch,
        )
        self._tick = tick
        self._cancel_requested = False
        self._fatal: SimBatchError | None = None
        self._endpoint = EndpointGate(self._rows.stop, tick)
        self._finished_this_session = 0
        self._started = time.monotonic()

    # -- controls (any thread) -------------------------------------------------------------------

    def pause(self) -> None:
        """Finish the rows in flight, then wait; nothing is lost.

        Once this returns no row starts: a row is marked PROCESSING under the same lock.
        """
        self._rows.pause()
        self.journal.set_run_status(self.run_id, RunStatus.PAUSED)
        self._say("Paused: rows already sent will finish; nothing new starts until you resume.")

    def resume_work(self) -> None:
        """Continue after ``pause``."""
        self.journal.set_run_status(self.run_id, RunStatus.RUNNING)
        self._rows.resume()
        self._say("Resumed.")

    @property
    def paused(self) -> bool:
        return self._rows.paused

    def cancel(self) -> None:
        """Stop: rows in flight go back to PENDING, the rest become CANCELLED; results are written."""
        self._cancel_requested = True
        self._rows.halt()

    def interrupt(self) -> None:
        """Stop without cancelling (Ctrl+C, closing the app): the run can be resumed later."""
        self._rows.halt()

    # -- the run ---------------------------------------------------------------------------------

    def execute(self) -> RunOutcome:
        """Run (or resume) the run to its end, a stop, or a fatal error; always flush before returning."""
        run = self.journal.get_run(self.run_id)
        if run is None:
            raise SimBatchError(f"There is no run {self.run_id} in the journal.")
        self.source.hold_for_writing()  # another SimBatch on the same workbook: say so, pay nothing
        requeued = self.journal.reset_interrupted(self.run_id)
        cancelled = [t.row for t in self.journal.tasks(self.run_id, [RowStatus.CANCELLED])]
        if cancelled:
            self.journal.mark_status(self.run_id, cancelled, RowStatus.PENDING)
        if requeued or cancelled:
            self._say(f"Resuming: {requeued + len(cancelled)} unfinished rows go back in the queue.")
        self.journal.set_run_status(self.run_id, RunStatus.RUNNING)
        self._started = time.monotonic()
        if self._claims is not None:
            self._claims.start()
        self.writeback.flush()  # results generated before a crash are written first
        pending = self.journal.tasks(self.run_id, [RowStatus.PENDING])
        if self._claims is None:
            self._rows.extend(pending)
        else:
            self._claims.feed()
        self._say(f"Run {self.run_id}: {len(pending)} rows to process with {self.workers} workers.")
        group = self._executor.start_workers(min(self.workers, max(1, len(pending))), self._work)
        self.writeback.restart_clock()
        try:
            while True:
                finished = group.join(self._tick)
                self.writeback.flush_if_due(time.monotonic())
                self.mirror.maybe_flush()
                self._report_progress()
                if self._claims is not None and not self._rows.stopped:
                    self._claims.step()
                    if finished and (self._rows or self._claims.waiting):
                        if self._rows:
                            group = self._executor.start_workers(self.workers, self._work)
                        else:
                            self._rows.stop.wait(self._tick)  # waiting for a colleague's rows
                        continue
                if finished:
                    break
        except KeyboardInterrupt:
            self.interrupt()
            group.join(None)
        return self._finish()

    def _finish(self) -> RunOutcome:
        if self._cancel_requested:
            rest = [t.row for t in self.journal.tasks(self.run_id, [RowStatus.PENDING])]
            self.journal.mark_status(self.run_id, rest, RowStatus.CANCELLED)
            for task in self.journal.tasks(self.run_id, [RowStatus.CANCELLED]):
                self.mirror.enqueue(task)
        self.writeback.flush()
        if self._claims is not None:
            self._claims.finish(self.journal, self.run_id)
        self.mirror.flush()
        if self._fatal is None and self.writeback.last_error is not None:
            # Results that never reached the source leave the run unfinished, so that resume writes them.
            self._fatal = self.writeback.last_error
        totals = self.journal.run_totals(self.run_id)
        counts = totals.counts
        status = final_status(self._fatal, self._cancel_requested, counts)
        error = str(self._fatal) if self._fatal is not None else None
        self.journal.set_run_status(self.run_id, status, error)
        self._report_progress()
        self._say(ending_sentence(status, counts, totals.flagged, totals.cost_usd, error))
        return RunOutcome(
            self.run_id, status, counts, totals.cost_usd, error, dict(self.writeback.conflicts), self._fatal
        )

    # -- workers ---------------------------------------------------------------------------------

    def _work(self) -> None:
        while (task := self._rows.next_task()) is not None:
            try:
                self._process(task)
            except Exception as exc:  # a bug must not kill the worker silently or lose the row
                log.exception("Row %s: unexpected error", task.row)
                self._finish_row_failed(task.row, f"Unexpected error: {type(exc).__name__}: {exc}")

    def _process(self, task: RowTask) -> None:
        row = task.row
        if self._claims is not None and not self._claims.allows(row):
            return  # its block was taken over or handed on while queued: the claims decide its fate
        plan = task.plan
        if not plan:
            self.journal.mark_processing(self.run_id, row)
            self.journal.mark_completed(
                self.run_id, row, result={}, input_tokens=0, cached_tokens=0, output_tokens=0,
                cost_usd=0.0, vitals_added=0, warnings=[NOTHING_TO_GENERATE],
            )
            self._row_changed(row)
            return
        if not self._endpoint.wait_turn():
            return  # stopped while waiting: the row is still PENDING
        try:
            self._send(task, plan)
        finally:  # after a fatal first reply has stopped the run, so the held workers see it
            self._endpoint.first_done()

    def _send(self, task: RowTask, plan: dict[str, list[str]]) -> None:
        row = task.row
        if not self._rows.begin(lambda: self.journal.mark_processing(self.run_id, row)):
            return  # stopped before it started: the row is still PENDING in the journal
        self._row_changed(row)
        scenario = scenario_from_dict(dict(task.original))
        try:
            generation = self._generate(scenario, plan, self._rows.stop)
        except ReplyRejected as exc:
            self._endpoint.answered()
            self.journal.mark_failed(
                self.run_id, row, str(exc), input_tokens=exc.usage.input_tokens,
                cached_tokens=exc.usage.cached_tokens, output_tokens=exc.usage.output_tokens,
                cost_usd=exc.cost_usd,
            )
            self._finished(row, f"Row {row} ({task.case_id}) failed: {exc}", "warning")
            return
        except CancelledError:
            self._requeue(row)
            return
        except LLMRequestError as exc:
            if exc.status_code == 400:  # this row's request was refused; other rows may be fine
                self._finish_row_failed(row, str(exc))
                return
            self._stop_fatally(row, exc)
            return
        except AuthError as exc:
            self._stop_fatally(row, exc)
            return
        except ServiceError as exc:
            if self._endpoint.tolerate_failure():
                self._requeue(row, task)
                self._say(f"Row {row}: {exc} It goes back in the queue.", "warning")
                return
            self._stop_fatally(row, exc)
            return
        self._endpoint.answered()
        self.journal.mark_completed(
            self.run_id, row, result=generation.values,
            input_tokens=generation.usage.input_tokens, cached_tokens=generation.usage.cached_tokens,
            output_tokens=generation.usage.output_tokens, cost_usd=generation.cost_usd,
            vitals_added=fields_added(generation.generated), warnings=generation.warnings,
            generated=generation.generated, flags=[issue.to_json() for issue in generation.flags],
        )
        self.writeback.row_completed()
        self._finished(row, None, "info")

    def _finish_row_failed(self, row: int, reason: str) -> None:
        self.journal.mark_failed(self.run_id, row, reason)
        self._finished(row, f"Row {row} failed: {reason}", "warning")

    def _finished(self, row: int, text: str | None, level: str) -> None:
        self._finished_this_session += 1
        self._row_changed(row)
        if text:
            self._say(text, level)

    def _requeue(self, row: int, task: RowTask | None = None) -> None:
        """Put ``row`` back to PENDING; with ``task``, also at the end of this session's queue."""
        self.journal.mark_status(self.run_id, [row], RowStatus.PENDING)
        if task is not None:
            self._rows.append(task)
        self._row_changed(row)

    def _stop_fatally(self, row: int, exc: SimBatchError) -> None:
        self._requeue(row)
        if self._fatal is None:
            self._fatal = exc
            self.journal.log_event(self.run_id, str(exc), "error")
            self._say(f"Run stopped: {exc}", "error")
        self._rows.stop.set()

    # -- reporting ------------------------------------------------------------------------------

    def _row_changed(self, row: int) -> None:
        task = self.journal.get_task(self.run_id, row)
        self.mirror.enqueue(task)
        if self._listener is not None:
            self._listener.row_changed(task)

    def snapshot(self) -> ProgressSnapshot:
        """The run's progress now (counts and cost from one journal query: this runs every tick)."""
        totals = self.journal.run_totals(self.run_id)
        elapsed = time.monotonic() - self._started
        return progress_snapshot(self.run_id, totals, self._finished_this_session, elapsed, self.paused)

    def _report_progress(self) -> None:
        if self._listener is not None:
            self._listener.progress(self.snapshot())
