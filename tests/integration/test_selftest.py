"""``python -m desktop --self-test`` runs the app offscreen on the demo workbook and reports its timing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

CHECKS = [
    "window", "qt_platform", "style", "image_formats", "icons", "tls", "keyring", "sheets_discovery",
    "org_config",
]


def _run_self_test(home: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SIMBATCH_HOME": str(home), **(extra_env or {})}
    result_file = home.parent / "self-test-result.json"
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--self-test", "--self-test-result", str(result_file)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_self_test_passes_and_prints_the_launch_time(simbatch_home: Path) -> None:
    result = _run_self_test(simbatch_home)

    assert result.returncode == 0, result.stderr
    timing = re.search(r"launch to main window shown: (\d+\.\d\d) s", result.stdout)
    assert timing is not None, result.stdout
    assert 0 < float(timing.group(1)) < 60
    assert re.search(r"validated 48 demo rows \((\d+) with critical issues\)", result.stdout), result.stdout
    assert result.stdout.rstrip().endswith("simbatch self-test: OK")
    # It works in a private folder: the user's data folder gets no settings or journal.
    assert list(simbatch_home.iterdir()) == []
    # The result file (how an installer test reads a windowed program's outcome) lists every check.
    report = json.loads((simbatch_home.parent / "self-test-result.json").read_text(encoding="utf-8"))
    assert report["passed"] is True and report["frozen"] is False
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(c["passed"] for c in report["checks"]), report
    by_name = {c["name"]: c["detail"] for c in report["checks"]}
    assert by_name["qt_platform"] == "offscreen (QT_QPA_PLATFORM=offscreen)"
    assert by_name["image_formats"] == "png, svg, ico readable"
    assert "CA certificates" in by_name["tls"] and "MemoryKeyring" in by_name["keyring"]
    assert "no organisation file" in by_name["org_config"]
    assert 0 < report["launch_to_window_sec"] < 60


def test_self_test_shows_the_organisation_file_and_fails_on_a_broken_one(
    simbatch_home: Path, tmp_path: Path
) -> None:
    org = tmp_path / "simbatch-org.json"
    org.write_text(json.dumps({"scenario_tab": "Master Scenario Convert", "locked": ["scenario_tab"]}))
    good = _run_self_test(simbatch_home, {"SIMBATCH_ORG_CONFIG": str(org)})
    assert good.returncode == 0, good.stderr
    assert f"org_config: built-in defaults, organisation file {org} (1 settings; 1 locked)" in good.stdout

    org.write_text(json.dumps({"llm": {"base_url": "not a url"}}))
    bad = _run_self_test(simbatch_home, {"SIMBATCH_ORG_CONFIG": str(org)})
    assert bad.returncode == 1
    assert f"FAILED: org_config: The organisation file {org} is not valid: llm.base_url" in bad.stderr
    report = json.loads((simbatch_home.parent / "self-test-result.json").read_text(encoding="utf-8"))
    assert report["passed"] is False


def test_self_test_fails_with_one_sentence_when_the_app_cannot_open_the_demo(
    simbatch_home: Path, tmp_path: Path
) -> None:
    # A site-customisation that breaks the workbook reader makes opening the demo fail inside the app.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import desktop.services.open_source as o\n"
        "from desktop.errors import InputError\n"
        "def broken(*a, **k):\n"
        "    raise InputError('The workbook could not be read.')\n"
        "o.open_source = broken\n"
    )
    result = _run_self_test(simbatch_home, {"PYTHONPATH": f"{hook}{os.pathsep}{REPO_ROOT}"})

    assert result.returncode == 1
    assert "simbatch self-test: FAILED:" in result.stderr
    assert "The workbook could not be read." in result.stderr
    assert "Traceback" not in result.stderr
    assert "OK" not in result.stdout
