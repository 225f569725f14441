"""The front-ends reach the engine and the outside world only through the use cases in ``desktop.app``:
the command line parses and prints, and every import counts (inside functions and under TYPE_CHECKING
too), so a use case cannot quietly grow a second copy in ``desktop/cli``."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_import_cycles import DESKTOP, import_graph

#: Packages the command line must not import: their use cases are in ``desktop.app``.
BEHIND_USE_CASES = ("desktop.jobs", "desktop.services", "desktop.report")


def reached_past_use_cases(package: Path, front_end: str) -> dict[str, list[str]]:
    """Modules of ``front_end`` (a dotted prefix) → the modules behind the use cases they import."""
    found: dict[str, list[str]] = {}
    for module, targets in import_graph(package).items():
        if module != front_end and not module.startswith(front_end + "."):
            continue
        bad = sorted(t for t in targets if any(t == p or t.startswith(p + ".") for p in BEHIND_USE_CASES))
        if bad:
            found[module] = bad
    return found


def test_the_command_line_goes_through_the_use_cases() -> None:
    graph = import_graph(DESKTOP)
    assert "desktop.cli.run_cmd" in graph and "desktop.app.live" in graph["desktop.cli.run_cmd"]
    assert reached_past_use_cases(DESKTOP, "desktop.cli") == {}


def test_a_command_that_reaches_the_engine_is_found(tmp_path: Path) -> None:
    package = tmp_path / "desktop"
    for folder in ("cli", "app", "jobs", "services"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "jobs" / "engine.py").write_text("")
    (package / "services" / "llm.py").write_text("")
    (package / "app" / "live.py").write_text("from desktop.jobs.engine import *\n")
    (package / "cli" / "good.py").write_text("from desktop.app import live\n")
    (package / "cli" / "lazy.py").write_text("def f():\n    from desktop.services.llm import x\n")
    (package / "cli" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from desktop.jobs import engine\n"
    )
    assert reached_past_use_cases(package, "desktop.cli") == {
        "desktop.cli.lazy": ["desktop.services.llm"],
        "desktop.cli.typed": ["desktop.jobs.engine"],
    }


def test_the_window_signs_in_through_the_use_case() -> None:
    """Signing in to Google and reading who is signed in go through ``desktop.app.signin`` in the GUI too
    (types such as ``SignOut`` may still be named for mypy)."""
    graph = import_graph(DESKTOP)
    signing = ("desktop.services.auth", "desktop.services.auth_token")
    runtime = {
        module: sorted(t for t in targets if t in signing)
        for module, targets in graph.items()
        if module.startswith("desktop.gui.")
    }
    typed_only = {"desktop.gui.dialogs.google_account": ["desktop.services.auth"]}
    assert {m: t for m, t in runtime.items() if t and typed_only.get(m) != t} == {}
    assert "desktop.app.signin" in graph["desktop.gui.dialogs.google_account"]
