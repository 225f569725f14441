"""The organisation file: validation with errors naming file and field, where it is looked for,
and the layering defaults → organisation → user with locked keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.org_config import (
    OPENAI_ENDPOINT,
    ORG_FILE,
    OrgConfigError,
    candidate_paths,
    config_source,
    find_org_file,
    load_org_layer,
    parse_org_file,
)
from desktop.services.batch_api import batch_client_from_settings
from desktop.services.llm import from_settings
from desktop.settings import PriceOverride, Settings, load_settings, save_settings, settings_path

EXAMPLE = {
    "google_oauth_client": {"client_id": "123-abc.apps.googleusercontent.com", "client_secret": "GOCSPX-x"},
    "llm": {"base_url": "https://llm.example-hospital.org/v1", "model": "gpt-4.1-mini"},
    "scenario_tab": "Scenarios 2026",
    "limits": {"workers": 4, "requests_per_minute": 120},
    "prices": {"gpt-4.1-mini": {"input": 0.4, "cached_input": 0.1, "output": 1.6}},
    "locked": ["llm.base_url", "llm.model"],
}


def write_org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Any) -> Path:
    path = tmp_path / "org" / ORG_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("SIMBATCH_ORG_CONFIG", str(path))
    return path


def test_the_issue_example_is_valid_and_maps_to_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_org(tmp_path, monkeypatch, EXAMPLE)
    layer = load_org_layer()
    assert layer is not None and layer.path == path
    assert layer.values == {
        "llm_provider": "openai",
        "openai_base_url": "https://llm.example-hospital.org/v1",
        "model": "gpt-4.1-mini",
        "workers": 4,
        "requests_per_minute": 120,
        "price_overrides": {"gpt-4.1-mini": {"input": 0.4, "cached_input": 0.1, "output": 1.6}},
        "scenario_tab": "Scenarios 2026",
    }
    # Locking the endpoint locks the provider too: switching to a local server cannot get round it.
    assert layer.locked == {"openai_base_url", "model", "llm_provider"}
    assert str(path) in config_source() and "2 locked" in config_source()


def test_a_local_model_server_for_everyone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = {"provider": "local", "base_url": "http://llm.ward.local:8080/v1", "model": "smollm2"}
    write_org(tmp_path, monkeypatch, {"llm": local, "locked": ["llm.base_url"]})
    settings = load_settings()
    assert (settings.llm_provider, settings.local_base_url, settings.local_model) == (
        "local", "http://llm.ward.local:8080/v1", "smollm2"
    )
    assert settings.openai_base_url is None and settings.model == Settings().model
    settings.llm_provider = "openai"  # the user tries to leave the locked server
    settings.local_base_url = "http://127.0.0.1:9/v1"
    save_settings(settings)
    again = load_settings()
    assert (again.llm_provider, again.local_base_url) == ("local", "http://llm.ward.local:8080/v1")


@pytest.mark.parametrize(
    ("org", "endpoint"),
    [
        (EXAMPLE, "https://llm.example-hospital.org/v1"),
        # Locked without naming a server: locked to OpenAI's own endpoint.
        ({"llm": {"model": "gpt-4.1-mini"}, "locked": ["llm"]}, OPENAI_ENDPOINT),
        ({"locked": ["llm.base_url"]}, OPENAI_ENDPOINT),
    ],
)
def test_openai_base_url_in_the_environment_does_not_override_a_locked_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, org: dict[str, Any], endpoint: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://elsewhere.example.com/v1")
    write_org(tmp_path, monkeypatch, org)
    settings = load_settings()
    assert from_settings(settings).base_url == endpoint
    assert batch_client_from_settings(settings.openai_base_url).base_url == endpoint
    assert "openai_base_url" in load_org_layer().origins(settings.model_dump())  # type: ignore[union-attr]


def test_openai_base_url_in_the_environment_applies_when_the_endpoint_is_not_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://elsewhere.example.com/v1")
    write_org(tmp_path, monkeypatch, {"llm": {"model": "gpt-4.1-mini"}, "locked": ["llm.model"]})
    assert from_settings(load_settings()).base_url == "https://elsewhere.example.com/v1"


def test_a_whole_section_can_be_locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_org(tmp_path, monkeypatch, {"limits": {"workers": 2}, "locked": ["limits", "scenario_tab"]})
    layer = load_org_layer()
    assert layer is not None
    assert layer.locked == {
        "workers", "requests_per_minute", "tokens_per_minute", "enqueued_token_cap", "scenario_tab"
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"llm": {"model": "m"}, "proxy": "x", "colour": 1}, "unknown key(s) proxy, colour"),
        ({"llm": {"model": "m", "temperature": 0.2}}, "unknown key(s) llm.temperature"),
        ({"llm": {"base_url": "llm.example.org"}}, "llm.base_url: String should match pattern"),
        ({"limits": {"workers": 0}}, "limits.workers: Input should be greater than or equal to 1"),
        ({"google_oauth_client": {"client_id": "x"}}, "google_oauth_client.client_secret: Field required"),
        ({"prices": {"m": {"input": -1, "output": 1}}}, "prices.m.input: Input should be greater"),
        ({"locked": ["llm.modle"]}, "locked: unknown key(s) llm.modle; keys that can be locked:"),
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
    ],
)
def test_a_malformed_file_names_the_file_and_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Any, expected: str
) -> None:
    path = write_org(tmp_path, monkeypatch, data)
    with pytest.raises(OrgConfigError) as info:
        load_org_layer()
    message = str(info.value)
    assert str(path) in message and expected in message, message
    # Settings refuse to start from a broken organisation file rather than quietly drop its locks.
    with pytest.raises(OrgConfigError):
        load_settings()


def test_the_cli_reports_a_malformed_file_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], demo_copy: Path
) -> None:
    from desktop.cli import main

    path = write_org(tmp_path, monkeypatch, {"llm": {"model": "m"}, "lokced": []})
    code = main(["validate", "--source", str(demo_copy), "--rows", "3"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and "unknown key(s) lokced" in err and "Traceback" not in err


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OrgConfigError, match="does not exist"):
        find_org_file({"SIMBATCH_ORG_CONFIG": str(tmp_path / "nope.json")})
    assert find_org_file({"SIMBATCH_ORG_CONFIG": ""}) is None


def test_where_the_file_is_looked_for() -> None:
    windows = candidate_paths("win32", {"ProgramData": r"D:\ProgramData"}, frozen=False)
    assert [str(p).replace("\\", "/") for p in windows] == ["D:/ProgramData/SimBatch/simbatch-org.json"]
    mac = candidate_paths("darwin", {}, frozen=False)
    assert mac == [Path("/Library/Application Support/SimBatch/simbatch-org.json")]
    linux = candidate_paths("linux", {}, frozen=False)
    assert linux == [Path("/etc/xdg/SimBatch/simbatch-org.json")]
    xdg = candidate_paths("linux", {"XDG_CONFIG_DIRS": "/etc/site:/etc/xdg"}, frozen=False)
    assert xdg == [Path("/etc/site/SimBatch/simbatch-org.json"), Path("/etc/xdg/SimBatch/simbatch-org.json")]
    # A portable (bundled) app looks beside its executable first; a .app beside the .app itself.
    portable = candidate_paths("linux", {}, executable="/media/usb/simbatch/simbatch", frozen=True)
    assert portable[0] == Path("/media/usb/simbatch/simbatch-org.json")
    exe = "/Volumes/K/SimBatch.app/Contents/MacOS/SimBatch"
    app = candidate_paths("darwin", {}, executable=exe, frozen=True)
    assert app[:2] == [
        Path("/Volumes/K/SimBatch.app/Contents/MacOS/simbatch-org.json"),
        Path("/Volumes/K/simbatch-org.json"),
    ]


def test_the_portable_file_is_found_beside_the_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIMBATCH_ORG_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "empty"))
    exe = tmp_path / "portable" / "simbatch"
    exe.parent.mkdir()
    (exe.parent / ORG_FILE).write_text(json.dumps({"scenario_tab": "Portable"}), encoding="utf-8")
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.setattr("sys.executable", str(exe))
    assert find_org_file() == exe.parent / ORG_FILE
    assert load_settings().scenario_tab == "Portable"


def test_layers_defaults_then_organisation_then_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_org(tmp_path, monkeypatch, EXAMPLE)
    settings = load_settings()
    assert settings.model == "gpt-4.1-mini" and settings.workers == 4
    assert settings.openai_base_url == "https://llm.example-hospital.org/v1"
    assert settings.tokens_per_minute == Settings().tokens_per_minute  # not in the file: built-in
    assert settings.price_overrides["gpt-4.1-mini"] == PriceOverride(input=0.4, cached_input=0.1, output=1.6)
    # The user changes an unlocked value and tries the locked ones: only the unlocked change sticks.
    settings.workers = 2
    settings.scenario_tab = "My tab"
    settings.model = "gpt-4o"
    settings.openai_base_url = "https://api.openai.com/v1"
    save_settings(settings)
    on_disk = json.loads(settings_path().read_text(encoding="utf-8"))
    assert on_disk == {"version": 3, "workers": 2, "scenario_tab": "My tab"}
    again = load_settings()
    assert (again.workers, again.scenario_tab) == (2, "My tab")
    assert (again.model, again.openai_base_url) == ("gpt-4.1-mini", "https://llm.example-hospital.org/v1")


def test_a_hand_edited_user_file_cannot_override_a_locked_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_org(tmp_path, monkeypatch, EXAMPLE)
    settings_path().write_text(json.dumps({"version": 3, "model": "gpt-4o", "workers": 3}), encoding="utf-8")
    settings = load_settings()
    assert settings.model == "gpt-4.1-mini" and settings.workers == 3


def test_an_older_full_settings_file_does_not_hide_the_organisation_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Version 2 wrote every setting, defaults included; those are not the user's choices.
    full = Settings(workers=6).model_dump(mode="json") | {"version": 2}
    settings_path().write_text(json.dumps(full), encoding="utf-8")
    write_org(tmp_path, monkeypatch, {"llm": {"model": "local-model"}, "limits": {"workers": 3}})
    settings = load_settings()
    assert settings.model == "local-model"  # the saved default gpt-4o-mini gave way
    assert settings.workers == 6  # a real change of the user's is kept (workers is not locked)


def test_without_an_organisation_file_nothing_changes(simbatch_home: Path) -> None:
    assert load_org_layer() is None
    assert load_settings() == Settings()
    assert "no organisation file" in config_source()


def test_parse_reads_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    # Notepad on Windows writes one; IT should not have to know.
    path = tmp_path / ORG_FILE
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"scenario_tab": "Tab"}).encode())
    assert parse_org_file(path).scenario_tab == "Tab"
