"""Settings: defaults, round trip, atomic save, step-by-step upgrades, corrupt files never crash."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from desktop.settings import (
    SETTINGS_VERSION,
    PriceOverride,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    upgrade_settings,
)


def test_defaults_when_no_file(simbatch_home: Path) -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.scenario_tab == "Master Scenario Convert"
    assert settings.model == "gpt-4o-mini"
    assert settings.openai_base_url is None
    assert settings.workers == 8
    assert settings.requests_per_minute == 500
    assert settings.tokens_per_minute == 200_000
    assert settings.overwrite_valid is False
    assert settings.google_client_secrets is None
    assert settings.poll_interval_sec == 30.0
    assert settings.enqueued_token_cap == 2_000_000
    assert settings.price_overrides == {}
    assert not (simbatch_home / "settings.json").exists()


def test_round_trip(simbatch_home: Path) -> None:
    settings = Settings(
        last_source="/tmp/x.xlsx",
        workers=3,
        openai_base_url="http://127.0.0.1:9999/v1",
        price_overrides={"gpt-4o-mini": PriceOverride(input=0.15, cached_input=0.075, output=0.6)},
    )
    save_settings(settings)
    assert settings_path() == simbatch_home / "settings.json"
    on_disk = json.loads(settings_path().read_text(encoding="utf-8"))
    assert on_disk["version"] == SETTINGS_VERSION
    assert load_settings() == settings
    # No temp files are left behind by the atomic write.
    assert sorted(p.name for p in simbatch_home.iterdir()) == ["settings.json"]


def test_save_replaces_previous_file(simbatch_home: Path) -> None:
    save_settings(Settings(workers=2))
    save_settings(Settings(workers=5))
    assert load_settings().workers == 5


def test_upgrade_from_unversioned_file(simbatch_home: Path) -> None:
    old = {"tab": "Cases", "concurrency": 4, "prices": {"m": {"input": 1.0, "output": 2.0}}}
    settings_path().write_text(json.dumps(old), encoding="utf-8")
    settings = load_settings()
    assert settings.scenario_tab == "Cases"
    assert settings.workers == 4
    assert settings.price_overrides["m"].output == 2.0
    assert settings.version == SETTINGS_VERSION


def test_upgrade_steps_one_at_a_time() -> None:
    v1 = upgrade_settings({"version": 1, "prices": {"m": {"input": 1, "output": 2}}, "tab": "kept"})
    assert v1["version"] == SETTINGS_VERSION
    assert "price_overrides" in v1 and "prices" not in v1
    assert v1["tab"] == "kept"  # the v0 step does not run on a v1 file


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'{"workers": "many"}',
        b'{"workers": 0}',
        b"\xff\xfe\x00garbage",
        b"",
    ],
)
def test_corrupt_file_is_backed_up_and_defaults_used(
    simbatch_home: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    settings_path().write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="desktop.settings"):
        settings = load_settings()
    assert settings == Settings()
    backups = list(simbatch_home.glob("settings.json.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == content
    assert not settings_path().exists()
    assert "could not be read" in caplog.text
    # The app can save fresh settings afterwards.
    save_settings(settings)
    assert load_settings() == Settings()


def test_unknown_keys_from_newer_files_are_ignored(simbatch_home: Path) -> None:
    settings_path().write_text(json.dumps({"version": SETTINGS_VERSION, "future": 1, "workers": 6}))
    assert load_settings().workers == 6


def test_fields_are_exactly_the_documented_ones_and_hold_no_secret() -> None:
    assert set(Settings.model_fields) == {
        "version",
        "last_source",
        "scenario_tab",
        "model",
        "openai_base_url",
        "llm_provider",  # "openai" or "local"
        "local_base_url",
        "local_model",
        "workers",
        "requests_per_minute",
        "tokens_per_minute",
        "overwrite_valid",
        "google_client_secrets",  # a path to the OAuth client file, not a secret value
        "poll_interval_sec",
        "enqueued_token_cap",
        "price_overrides",
        "display_name",  # what colleagues see on this computer's claims on a shared sheet
        "claim_lease_sec",
    }
