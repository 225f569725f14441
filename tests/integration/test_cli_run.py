"""``simbatch run``, ``runs``, ``resume``, ``revert`` and ``estimate`` through the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.journal import Journal, RowStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import API_KEY, changed_cells, snapshot


def write_settings(home: Path) -> None:
    settings = {"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
    (home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")


@pytest.fixture
def fake(simbatch_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    write_settings(simbatch_home)
    with FakeOpenAI(api_key=API_KEY) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield server


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_run_json_summary_and_runs_listing(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str], simbatch_home: Path
) -> None:
    code, doc, err = run_json(capsys, "run", "--source", str(demo_copy), "--rows", "3-12", "--json")
    assert code == 0, err
    assert doc["status"] == "COMPLETED"
    assert doc["counts"] == {"COMPLETED": 10}
    assert doc["failed"] == [] and doc["conflicts"] == []
    tokens = doc["tokens"]
    assert isinstance(tokens, dict) and tokens["input"] > 0 and tokens["output"] > 0
    assert isinstance(doc["cost_usd"], float) and doc["cost_usd"] > 0
    assert err == ""  # not a terminal: no bar and no chatter, only failures would be printed
    code, listing, _ = run_json(capsys, "runs", "--json")
    runs = listing["runs"]
    assert isinstance(runs, list) and runs[0]["run_id"] == doc["run_id"]
    assert runs[0]["rows"] == 10 and runs[0]["completed"] == 10 and runs[0]["kind"] == "live"
    assert main(["runs"]) == 0
    assert doc["run_id"] in capsys.readouterr().out


def test_failed_rows_exit_1_with_reasons(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.faults.rate_refusal = 1.0
    code, doc, err = run_json(capsys, "run", "--source", str(demo_copy), "--rows", "7", "--json")
    assert code == 1
    failed = doc["failed"]
    assert isinstance(failed, list) and failed[0]["row"] == 7 and "refused" in failed[0]["error"]
    assert "Row 7" in err


def test_flagged_rows_are_listed_with_their_warnings_and_exit_0(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.faults.imperfect_model(warnings=1.0, criticals=0.0)  # every reply usable but imperfect
    code, doc, err = run_json(capsys, "run", "--source", str(demo_copy), "--rows", "3-12", "--json")
    assert code == 0, err
    flagged = doc["flagged"]
    assert isinstance(flagged, list) and flagged
    with Journal.open() as journal:
        tasks = {t.row: t for t in journal.tasks(str(doc["run_id"]))}
    assert {f["row"] for f in flagged} == {r for r, t in tasks.items() if t.flagged}
    first = flagged[0]
    assert first["case_id"] == tasks[first["row"]].case_id and first["warnings"]
    assert all(": " in w for w in first["warnings"])
    completed = doc["counts"]["COMPLETED"]  # type: ignore[index]
    assert doc["summary"] == f"{completed} completed, {len(flagged)} flagged for review, 0 failed"
    assert main(["resume", str(doc["run_id"])]) == 0
    out = capsys.readouterr().out
    assert f"{len(flagged)} flagged for review" in out and "Flagged for review" in out
    code, resumed, _ = run_json(capsys, "resume", str(doc["run_id"]), "--json")
    assert code == 0 and resumed["flagged"] == flagged and resumed["summary"] == doc["summary"]


def test_batch_flags_without_exit_1_and_offers_rejected_rows_to_retry_live(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.batch_polls_per_stage = 1
    fake.faults.imperfect_model(warnings=1.0, criticals=0.0)
    wait = ["--wait", "--poll-interval", "0.02"]
    submit = ["batch", "submit", "--source", str(demo_copy)]
    code, doc, err = run_json(capsys, *submit, "--rows", "7,14,20", *wait, "--json")
    assert code == 0, err  # flagged rows are completed rows: no exit 1
    flagged = doc["flagged"]
    assert isinstance(flagged, list) and flagged and all(f["warnings"] for f in flagged)
    with Journal.open() as journal:
        tasks = {t.row: t for t in journal.tasks(str(doc["run_id"]))}
    assert {f["row"] for f in flagged} == {r for r, t in tasks.items() if t.flagged}
    assert doc["summary"] == f"3 completed, {len(flagged)} flagged for review, 0 failed"

    fake.faults.imperfect_model(warnings=0.0, criticals=1.0)  # every batch reply unusable
    code = main([*submit, "--rows", "18-19", *wait])
    out = capsys.readouterr().out
    assert code == 1
    with Journal.open() as journal:
        run = journal.list_runs()[0]
        failed = journal.tasks(run.run_id, [RowStatus.FAILED])
    assert [t.row for t in failed] == [18, 19] and all("rejected" in (t.error or "") for t in failed)
    assert "0 completed, 0 flagged for review, 2 failed." in out
    assert f"Re-run the failed rows with 'simbatch batch retry {run.run_id}' (or add --live)." in out

    fake.faults.imperfect_model(warnings=0.0, criticals=0.0)
    asked = len(fake.chat_requests(None))
    code, retried, err = run_json(capsys, "batch", "retry", run.run_id, "--live", "--json")
    assert code == 0, err
    assert retried["counts"] == {"COMPLETED": 2} and len(fake.chat_requests(None)) == asked + 2


def test_wrong_key_exit_3_after_one_request_and_no_secret_anywhere(
    fake: FakeOpenAI,
    demo_copy: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    simbatch_home: Path,
) -> None:
    wrong = "sk-wrong-key-ABCDEFGH12345678"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    code = main(["run", "--source", str(demo_copy), "--rows", "all"])
    out, err = capsys.readouterr()
    assert code == 3
    assert len(fake.chat_requests(None)) == 1
    last = err.strip().splitlines()[-1]
    assert last == "simbatch: error: The OpenAI API key was refused; check it in Settings or OPENAI_API_KEY."
    assert "Traceback" not in err
    for text in (out, err):
        assert wrong not in text and API_KEY not in text
    for path in simbatch_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert wrong.encode() not in data, path
            assert API_KEY.encode() not in data, path


def test_no_key_is_an_auth_error(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    assert main(["run", "--source", str(demo_copy), "--rows", "3"]) == 3
    assert "No OpenAI API key is set" in capsys.readouterr().err
    assert fake.chat_requests(None) == []


def test_a_local_server_that_wants_a_key_says_so(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str], simbatch_home: Path
) -> None:
    settings = {"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000,
                "llm_provider": "local", "local_base_url": fake.base_url, "local_model": "gpt-4o-mini"}
    (simbatch_home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    assert main(["run", "--source", str(demo_copy), "--rows", "3-5", "--overwrite"]) == 3
    assert "asks for an API key" in capsys.readouterr().err
    assert {r.status for r in fake.chat_requests(None)} == {401}


def test_successful_run_leaves_no_secret(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str], simbatch_home: Path
) -> None:
    assert main(["run", "--source", str(demo_copy), "--rows", "3-8", "--overwrite"]) == 0
    out, err = capsys.readouterr()
    assert API_KEY not in out + err
    files = [p for p in simbatch_home.rglob("*") if p.is_file()]
    assert any(p.name.startswith("journal") for p in files)
    for path in files:
        assert API_KEY.encode() not in path.read_bytes(), path


def test_resume_without_unfinished_run_says_so(fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resume"]) == 2
    assert "no unfinished run" in capsys.readouterr().err


def test_resume_continues_interrupted_run(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.faults.force_401 = True
    assert main(["run", "--source", str(demo_copy), "--rows", "3-10", "--overwrite", "--json"]) == 3
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    fake.faults.force_401 = False
    code, doc, _ = run_json(capsys, "resume", "--json")
    assert code == 0 and doc["run_id"] == run_id and doc["counts"] == {"COMPLETED": 8}
    assert sorted(fake.requested_rows()) == list(range(3, 11))


def test_revert_command_restores_and_reports_skips(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(demo_copy)
    code, doc, _ = run_json(capsys, "run", "--source", str(demo_copy), "--rows", "7", "--json")
    assert code == 0 and changed_cells(before, snapshot(demo_copy))
    code, rev, _ = run_json(capsys, "revert", str(doc["run_id"]), "--json")
    assert code == 0 and len(rev["reverted"]) == 3 and rev["skipped"] == []  # type: ignore[arg-type]
    assert not changed_cells(before, snapshot(demo_copy))
    with Journal.open() as journal:
        assert journal.run_counts(str(doc["run_id"])) == {RowStatus.COMPLETED.value: 1}
    assert main(["revert", "r-unknown"]) == 2


def test_estimate_lists_rows_and_both_costs(
    fake: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str], simbatch_home: Path
) -> None:
    (simbatch_home / "settings.json").unlink()  # the default limits: 500 requests/min
    code, doc, _ = run_json(
        capsys, "estimate", "--source", str(demo_copy), "--rows", "3-8", "--mode", "batch", "--json"
    )
    assert code == 0
    rows = doc["rows"]
    assert isinstance(rows, list) and [r["row"] for r in rows] == [3, 4, 5, 6, 7, 8]
    card5 = next(r for r in rows if r["row"] == 7)
    assert card5["columns"] == ["State1_Vitals", "State2_Vitals", "State3_Vitals"]
    assert card5["input_tokens"] > 1000
    totals = doc["totals"]
    assert isinstance(totals, dict)
    assert totals["batch_usd"] < totals["live_usd"] * 1.01
    assert totals["live_minutes"] > 0
    assert fake.chat_requests(None) == []  # an estimate sends nothing
    assert main(["estimate", "--source", str(demo_copy), "--rows", "3-8"]) == 0
    text = capsys.readouterr().out
    assert "* live" in text and "batch:" in text
