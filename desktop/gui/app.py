"""Start the desktop app: one QApplication, the OS look, and the main window on a source."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.app.demo import is_shipped_demo, open_demo_copy
from desktop.app.startup import default_source_opener
from desktop.gui.context import AppContext
from desktop.gui.mainwindow.window import ErrorReporter, MainWindow
from desktop.gui.qt.gc_guard import install_gui_thread_collector
from desktop.journal import Journal
from desktop.logs import install_file_logging, write_crash_report
from desktop.org_config import OrgConfigError, load_org_layer
from desktop.paths import APP_NAME, resource
from desktop.settings import Settings, load_settings
from desktop.settings_store import SettingsStore

log = logging.getLogger(__name__)

#: The process's QApplication, held for its lifetime: PySide deletes the application once Python holds
#: no reference to it, and a caller that only needs it to exist (the self-test's window, then its Qt
#: checks) would otherwise lose it — the frozen app aborted with "Must construct a QGuiApplication".
_application: QApplication | None = None


def initial_source(source: str | None, settings: Settings | None = None) -> str:
    """The source to open: the one given, else the last one used (in ``settings``, read from the file
    when not given), else the user's copy of the demo workbook (made from the shipped one at first).

    A remembered workbook that no longer exists falls back to the demo, so the app always starts.
    """
    if source:
        return source
    last = (settings or load_settings()).last_source
    if not last or is_shipped_demo(last):  # the shipped demo itself is never opened (older versions did)
        return str(open_demo_copy())
    if last.lower().endswith(".xlsx") and not Path(last).expanduser().exists():
        log.info("The last workbook %s is gone; opening the demo workbook instead.", last)
        return str(open_demo_copy())
    return last


def ensure_application() -> QApplication:
    """The running QApplication, created with SimBatch's names when there is none yet."""
    global _application
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    _application = app
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    if app.windowIcon().isNull():
        app.setWindowIcon(QIcon(str(resource("icons", "simbatch.svg"))))
    install_gui_thread_collector(app)
    return app


def new_main_window(
    report_error: ErrorReporter | None = None, store: SettingsStore | None = None
) -> MainWindow:
    """The main window with what it depends on, decided here once: the journal (the window closes
    it), the settings store (a new one reading the file when not given) and the source opener (how
    Google Sheets is reached); ``report_error`` as in :class:`MainWindow`."""
    store = store if store is not None else SettingsStore()
    context = AppContext(Journal.open(), store=store, opener=default_source_opener())
    window = MainWindow(context, owns_journal=True, report_error=report_error)
    context.setParent(window)
    return window


def create_main_window(
    source: str | None = None,
    *,
    report_error: ErrorReporter | None = None,
    store: SettingsStore | None = None,
) -> MainWindow:
    """A main window that starts opening ``source`` (or the last/demo source) in the background."""
    ensure_application()
    window = new_main_window(report_error, store)
    window.sources.open_source(initial_source(source, window.context.store.current))
    return window


def first_start(settings: Settings | None = None) -> bool:
    """True when no source was ever opened (the welcome screen is shown then); ``settings`` are read
    from the file when not given."""
    return not (settings or load_settings()).last_source


def create_main_window_with_welcome(store: SettingsStore | None = None) -> MainWindow:
    """The main window with the welcome screen over it; the choice is opened when made, and closing
    the welcome without a choice opens the user's copy of the demo workbook (never an empty window)."""
    ensure_application()
    window = new_main_window(store=store)
    window.show_welcome()
    return window


def run_app(source: str | None = None) -> int:
    """Run the desktop app until its window closes; returns the exit status."""
    _log_to_file_and_report_crashes()
    app = ensure_application()
    problem = organisation_problem()
    if problem:
        # The windowed app has no console: say it in a window, or nobody reads it.
        log.error("%s", problem)
        QMessageBox.critical(None, f"{APP_NAME} cannot start", problem)
        return 2
    store = SettingsStore()  # the settings file is read once, here, for the whole session
    if source or not first_start(store.current):
        window = create_main_window(source, store=store)
    else:
        window = create_main_window_with_welcome(store)
    window.show()
    window.runs.offer_resume()
    return app.exec()


def organisation_problem() -> str | None:
    """What is wrong with the organisation file (SimBatch refuses to start without its locks), or None."""
    try:
        load_org_layer()
    except OrgConfigError as exc:
        return f"{exc}\n\nPlease tell your IT department; they look after this file."
    return None


def _log_to_file_and_report_crashes() -> None:
    """Log to the data folder's log file; an exception nothing caught becomes a crash report there
    (Qt would otherwise print it to a terminal nobody sees and carry on)."""
    try:
        install_file_logging()
    except OSError as exc:
        log.warning("The log file cannot be written (%s).", exc)

    def report(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        try:
            write_crash_report(kind, exc, tb)
        except OSError:
            log.exception("Unexpected error (no crash report could be written)", exc_info=(kind, exc, tb))

    sys.excepthook = report
