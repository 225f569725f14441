"""The release workflows and the files they use: every path they name exists, versions agree,
actions are pinned, signing is gated on secrets, only installers are uploaded, and actionlint
catches a broken workflow."""

from __future__ import annotations

import importlib.metadata
import plistlib
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import REPO_ROOT, load_spec_helpers

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
#: Repository folders whose files a workflow or a packaging script may name.
_REPO_PATH = re.compile(
    r"(?<![\w$./\\-])(?:\./)?((?:\.github|\.ci|packaging|resources|desktop|scripts|tests|bench)(?:[/\\][\w.-]+)+)"
)
SIGNED_WORKFLOWS = ("build-windows.yml", "build-macos.yml")


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(path: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(job id, job, step) for every step of a workflow."""
    return [
        (job_id, job, step)
        for job_id, job in load(path)["jobs"].items()
        for step in job.get("steps", [])
    ]


def test_there_is_one_caller_and_a_reusable_workflow_per_system() -> None:
    names = [p.name for p in workflow_files()]
    assert names == ["build-linux.yml", "build-macos.yml", "build-windows.yml", "build.yml"]
    build = load(WORKFLOWS / "build.yml")
    assert set(build["on"]) == {"pull_request", "push", "workflow_dispatch"}
    assert build["on"]["push"] == {"tags": ["v*"]}
    called = {job.get("uses") for job in build["jobs"].values()}
    assert {f"./.github/workflows/{n}" for n in names if n != "build.yml"} <= called
    for name in names[:-1]:
        assert "workflow_call" in load(WORKFLOWS / name)["on"], name
    release = build["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"] == {"contents": "write"} and build["permissions"] == {"contents": "read"}


def named_paths(text: str) -> set[str]:
    return {m.replace("\\", "/").rstrip(".") for m in _REPO_PATH.findall(text) if "*" not in m}


def test_every_path_the_workflows_and_their_scripts_name_exists() -> None:
    sources = [*workflow_files(), *REPO_ROOT.glob("packaging/**/*.sh"), *REPO_ROOT.glob("packaging/**/*.ps1")]
    sources.append(REPO_ROOT / "packaging" / "windows" / "simbatch.iss")
    seen: set[str] = set()
    for source in sources:
        for named in named_paths(source.read_text(encoding="utf-8")):
            seen.add(named)
            assert (REPO_ROOT / named).exists(), f"{source.relative_to(REPO_ROOT)} names {named}"
    # The scripts the workflows run directly must be executable (git keeps the bit).
    for source in workflow_files():
        for named in named_paths(source.read_text(encoding="utf-8")):
            if named.endswith(".sh"):
                assert (REPO_ROOT / named).stat().st_mode & 0o111, f"{named} is not executable"
    assert {"packaging/build_bundle.sh", "packaging/windows/test_installer.ps1",
            "packaging/macos/test_dmg.sh", "packaging/constraints.txt"} <= seen


def test_the_path_finder_sees_what_a_workflow_names() -> None:
    text = (
        "run: packaging/missing.sh && ./packaging/windows/x.ps1 -I dist\\a.exe\n"
        " uses: ./.github/workflows/y.yml  # see packaging\\windows\\z.iss."
    )
    assert named_paths(text) == {
        "packaging/missing.sh", "packaging/windows/x.ps1",
        ".github/workflows/y.yml", "packaging/windows/z.iss",
    }


def test_installer_definitions_carry_the_pyproject_version() -> None:
    iss = (REPO_ROOT / "packaging" / "windows" / "simbatch.iss").read_text(encoding="utf-8")
    assert re.findall(r'#define AppVersion "([^"]+)"', iss) == [VERSION]
    plist = plistlib.loads((REPO_ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == VERSION
    assert plist["NSHighResolutionCapable"] is True


def test_program_names_agree_between_the_spec_info_plist_workflows_and_scripts() -> None:
    programs = load_spec_helpers().programs
    mac_cli, mac_app = programs("darwin")
    # The path: the .app runs Contents/MacOS/SimBatch, and Info.plist must say so.
    plist = plistlib.loads((REPO_ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    assert plist["CFBundleExecutable"] == mac_app == "SimBatch"
    assert mac_cli.lower() != mac_app.lower()  # one file on the case-insensitive macOS file system
    texts = [p.read_text(encoding="utf-8") for p in [
        *workflow_files(), *REPO_ROOT.glob("packaging/**/*.sh"), *REPO_ROOT.glob("packaging/**/*.ps1"),
        REPO_ROOT / "packaging" / "windows" / "simbatch.iss", REPO_ROOT / "packaging" / "README.md",
    ]]
    mac_named = {name for text in texts for name in re.findall(r"Contents/MacOS/([\w.-]+)", text)}
    assert mac_named == {mac_cli, mac_app}, mac_named
    windows_named = {name for text in texts for name in re.findall(r"(?<![\w-])(simbatch[\w-]*)\.exe", text)}
    assert windows_named == set(programs("win32")), windows_named
    # build_bundle.sh checks that each system's bundle holds exactly these programs.
    script = (REPO_ROOT / "packaging" / "build_bundle.sh").read_text(encoding="utf-8")
    listed = dict(re.findall(r'^\s+(.+?)\) PROGRAMS="([^"]+)"', script, re.MULTILINE))
    assert listed["MINGW* | MSYS* | CYGWIN*"].split() == [f"{n}.exe" for n in programs("win32")]
    assert listed["Darwin"].split() == [mac_cli, mac_app]
    assert listed["*"].split() == [n for n in programs("linux") if n]
    # The workflow self-tests the app's main program, as Finder starts it.
    macos = (WORKFLOWS / "build-macos.yml").read_text(encoding="utf-8")
    assert f"dist/SimBatch.app/Contents/MacOS/{mac_app} --self-test" in macos


def test_an_upgrade_removes_the_old_qt_folder() -> None:
    iss = (REPO_ROOT / "packaging" / "windows" / "simbatch.iss").read_text(encoding="utf-8")
    section = iss.split("[InstallDelete]", 1)[1].split("\n[", 1)[0]
    assert 'Type: filesandordirs; Name: "{app}\\_internal\\PySide6"' in section


def test_actions_are_pinned_to_commits_and_python_to_a_release() -> None:
    for path in workflow_files():
        for _job_id, _job, step in steps(path):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", uses), f"{path.name}: {uses}"
            if uses and uses.startswith("actions/setup-python@"):
                assert re.fullmatch(r"3\.11\.\d+", step["with"]["python-version"]), path.name
            run = step.get("run", "")
            if "pip install" in run and "-e '.[bundle]'" in run:
                assert "-c packaging/constraints.txt" in run, f"{path.name}: unpinned build tools"
    pins = (REPO_ROOT / "packaging" / "constraints.txt").read_text(encoding="utf-8")
    for package in ("pyinstaller", "PySide6_Essentials", "PySide6_Addons", "keyring", "certifi"):
        assert re.search(rf"^{package}==\S+$", pins, re.MULTILINE), package


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s;\[<>=!~]", requirement.strip(), maxsplit=1)[0]).lower()


def test_constraints_pin_every_package_the_app_runs_with() -> None:
    """What the installed app imports, directly or through its dependencies, is pinned for a release
    build (a dependency added to pyproject.toml and not here would be built at whatever version is new)."""
    pins = {
        _name(line): line.split("==", 1)[1].strip()
        for line in (REPO_ROOT / "packaging" / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needed: set[str] = set()
    todo = [*project["dependencies"], *project["optional-dependencies"]["bundle"]]
    while todo:
        requirement = Requirement(todo.pop())
        name = _name(requirement.name)
        if name in needed or not (requirement.marker is None or requirement.marker.evaluate({"extra": ""})):
            continue
        needed.add(name)
        try:
            todo.extend(importlib.metadata.requires(requirement.name) or [])
        except importlib.metadata.PackageNotFoundError:  # a build tool this environment lacks (PyInstaller)
            continue
    assert sorted(needed - pins.keys()) == []


def test_signing_steps_run_only_with_the_secrets_and_a_tag_requires_them() -> None:
    for name in SIGNED_WORKFLOWS:
        path = WORKFLOWS / name
        for job_id, job, step in steps(path):
            assert "secrets." in job["env"]["HAS_SIGNING"], f"{name}:{job_id} has no HAS_SIGNING"
            text = yaml.safe_dump(step)
            label = f"{name}: {step.get('name') or step.get('uses')}"
            assert "secrets." not in str(step.get("if", "")), label  # actionlint rejects it there
            if "secrets." in text:
                assert "env.HAS_SIGNING == 'true'" in step["if"], label
        ifs = [(str(step.get("if", "")), step.get("run", "")) for _j, _job, step in steps(path)]
        assert any(
            "env.HAS_SIGNING != 'true'" in cond and "refs/tags/" in cond and "exit 1" in run
            for cond, run in ifs
        ), f"{name}: a tag without signing secrets must fail"
        assert any(cond == "env.HAS_SIGNING != 'true'" and "::warning::" in run for cond, run in ifs), name


def test_bash_is_the_default_shell_and_powershell_only_where_needed() -> None:
    for path in workflow_files():
        for job_id, job, step in steps(path):
            if "run" not in step:
                continue
            shell = step.get("shell") or job.get("defaults", {}).get("run", {}).get("shell")
            assert shell in {"bash", "pwsh"}, f"{path.name}:{job_id}: {step.get('name')}"
            if shell == "pwsh":
                assert "Start-Process" in (REPO_ROOT / "packaging/windows/test_installer.ps1").read_text()
                assert path.name == "build-windows.yml", step.get("name")


def test_only_installers_are_uploaded() -> None:
    uploaded = []
    for path in workflow_files():
        for _job_id, _job, step in steps(path):
            if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
                uploaded.append(step["with"]["path"])
    assert len(uploaded) == 3
    assert all(p.endswith((".exe", ".dmg", ".deb")) for p in uploaded), uploaded
    release = load(WORKFLOWS / "build.yml")["jobs"]["release"]["steps"]
    publish = next(s["run"] for s in release if "gh release create" in s.get("run", ""))
    assert publish.split("gh release create", 1)[1].split()[-4:] == [
        "./*.exe", "./*.dmg", "./*.deb", "SHA256SUMS"
    ]


def _tool(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def _actionlint() -> list[str]:
    binary, shellcheck = _tool("actionlint"), _tool("shellcheck")
    assert binary and shellcheck, "actionlint and shellcheck come with the dev extra (pip install -e .[dev])"
    return [binary, "-shellcheck", shellcheck, "-no-color"]


def test_actionlint_passes_the_workflows_and_fails_a_broken_one(tmp_path: Path) -> None:
    ok = subprocess.run([*_actionlint(), *map(str, workflow_files())], capture_output=True, text=True,
                        cwd=REPO_ROOT, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The same workflow with a secret in a step condition and an unquoted variable in a script.
    broken_dir = tmp_path / ".github" / "workflows"
    broken_dir.mkdir(parents=True)
    text = (WORKFLOWS / "build-windows.yml").read_text(encoding="utf-8")
    secret_if = "if: secrets.WINDOWS_CERTIFICATE_PFX_BASE64 != ''"
    text = text.replace("if: env.HAS_SIGNING == 'true'", secret_if, 1)
    text = text.replace("run: packaging/build_bundle.sh", "run: cd $RUNNER_TEMP && ls", 1)
    (broken_dir / "build-windows.yml").write_text(text, encoding="utf-8")
    bad = subprocess.run([*_actionlint(), str(broken_dir / "build-windows.yml")], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert bad.returncode == 1
    assert "secrets" in bad.stdout and "SC2086" in bad.stdout, bad.stdout


SCRIPTS = sorted(str(p.relative_to(REPO_ROOT)) for p in REPO_ROOT.glob("packaging/**/*.sh"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_packaging_scripts_pass_shellcheck(script: str) -> None:
    shellcheck = _actionlint()[2]
    result = subprocess.run([shellcheck, script], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 0, result.stdout
