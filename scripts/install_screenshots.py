"""Screenshots for the install guide in packaging/README.md (saved under packaging/docs/).

Usage: ``python scripts/install_screenshots.py [OUT_DIR]`` (default ``packaging/docs``). Runs the
real windows offscreen in a scratch data folder: the welcome screen of a first start, the main
window on the demo workbook, Settings with an example organisation file (values from the
organisation marked, locked ones greyed out) and About showing where the settings come from.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
SCRATCH = Path(tempfile.mkdtemp(prefix="simbatch-install-shots-"))
os.environ["SIMBATCH_HOME"] = str(SCRATCH / "data")
os.environ.pop("SIMBATCH_ORG_CONFIG", None)
os.environ["XDG_CONFIG_DIRS"] = str(SCRATCH / "etc" / "xdg")
sys.path.insert(0, str(REPO_ROOT))

from PySide6.QtWidgets import QWidget  # noqa: E402

from scripts.screenshots import settle, wait_for  # noqa: E402

EXAMPLE_ORG = {
    "google_oauth_client": {
        "client_id": "123456789012-example.apps.googleusercontent.com",
        "client_secret": "GOCSPX-example-not-a-real-secret",
    },
    "llm": {"base_url": "https://llm.example-hospital.org/v1", "model": "gpt-4.1-mini"},
    "scenario_tab": "Master Scenario Convert",
    "limits": {"workers": 4},
    "locked": ["llm.base_url", "llm.model"],
}


def save(widget: QWidget, out: Path, name: str) -> None:
    """Show ``widget``, let it paint, and save it as ``out/name``."""
    widget.show()
    settle(300)
    path = out / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"Could not write {path}.")
    print(path)


def main() -> int:
    """Take every install-guide screenshot."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "packaging" / "docs"
    out.mkdir(parents=True, exist_ok=True)
    from desktop.gui.app import create_main_window_with_welcome, ensure_application
    from desktop.gui.dialogs.about import AboutDialog
    from desktop.gui.dialogs.settings_dialog import SettingsDialog
    from desktop.settings import load_settings

    ensure_application()
    window = create_main_window_with_welcome()
    window.resize(1200, 720)
    window.show()
    welcome = window.welcome
    assert welcome is not None
    save(welcome, out, "linux-1-welcome.png")
    welcome.reject()  # closing the welcome opens the demo workbook
    wait_for(lambda: window.context.source is not None and not window.busy, what="the demo workbook")
    save(window, out, "linux-2-main-window.png")

    org_file = SCRATCH / "etc" / "xdg" / "SimBatch" / "simbatch-org.json"
    org_file.parent.mkdir(parents=True)
    org_file.write_text(json.dumps(EXAMPLE_ORG, indent=2), encoding="utf-8")
    settings = SettingsDialog(load_settings())
    settings.resize(700, 700)
    save(settings, out, "linux-3-settings-organisation.png")
    about = AboutDialog()
    save(about, out, "linux-4-about.png")
    for widget in (about, settings, window):
        widget.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
