"""Starting the app imports nothing that only later work needs: the main window is up in under 2 s
only when the LLM SDK (about 2 s to import on its own), Google's libraries and the keyring's backends
are imported when first used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO_ROOT

#: Packages the first window must not import: an LLM run, a Google Sheet, a secret or a report needs them.
LATER = ("openai", "googleapiclient", "google.auth", "google_auth_oauthlib", "keyring", "desktop.report.pdf")

# `simbatch` with no command, exactly as a user starts it, on a workbook; the event loop is left once
# the window shows the workbook's rows and its background work is done. What is imported then is printed.
PROGRAM = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QTimer
    from desktop.cli import main
    from desktop.gui.app import ensure_application
    from desktop.gui.mainwindow.window import MainWindow

    app = ensure_application()
    seen = {}

    def shown_and_loaded():
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible() and widget.model.rowCount():
                if not widget.busy and not seen:
                    seen["modules"] = sorted(sys.modules)
                    app.exit(0)

    poll = QTimer()
    poll.timeout.connect(shown_and_loaded)
    poll.start(20)
    QTimer.singleShot(60_000, lambda: app.exit(7))
    status = main(["--source", sys.argv[1]])
    print(json.dumps({"status": status, "modules": seen.get("modules", [])}))
    """
)


def imported_at_start(workbook: Path, home: Path) -> list[str]:
    """The modules loaded once ``simbatch`` has shown its main window on ``workbook``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SIMBATCH_HOME": str(home)}
    env["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(workbook)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 0 and outcome["modules"], outcome["status"]
    return list(outcome["modules"])


def test_the_main_window_opens_a_workbook_without_the_llm_google_or_keyring_libraries(
    demo_copy: Path, simbatch_home: Path
) -> None:
    modules = imported_at_start(demo_copy, simbatch_home)

    assert "desktop.gui.mainwindow.window" in modules and "openpyxl" in modules  # the workbook was read
    loaded_too_early = [
        name for name in modules if any(name == top or name.startswith(f"{top}.") for top in LATER)
    ]
    assert loaded_too_early == [], (
        "starting the app imported modules it needs only later (import them where they are used): "
        f"{sorted({n.split('.')[0] for n in loaded_too_early})} — {loaded_too_early[:10]}"
    )
