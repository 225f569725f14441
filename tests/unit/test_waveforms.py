"""The shipped rhythm catalogue and alias matching."""

from __future__ import annotations

import pytest

from desktop.domain.waveforms import (
    alias_clashes,
    all_waveforms,
    canonical_waveform,
    get_waveform,
    is_canonical,
)

REQUIRED_NAMES = [
    "sinus_ecg", "sinus_tachycardia_ecg", "sinus_bradycardia_ecg", "atrial_fibrillation_ecg",
    "atrial_flutter_ecg", "svt_ecg", "ventricular_tachycardia_ecg", "ventricular_fibrillation_ecg",
    "torsades_ecg", "asystole_ecg", "pea_ecg", "junctional_ecg", "idioventricular_ecg",
    "first_degree_av_block_ecg", "second_degree_av_block_type1_ecg", "second_degree_av_block_type2_ecg",
    "third_degree_av_block_ecg", "paced_ecg", "stemi_ecg", "pvc_ecg",
]  # fmt: skip


def test_catalogue_has_the_expected_rhythms() -> None:
    names = [w.name for w in all_waveforms()]
    assert len(names) >= 24
    assert len(set(names)) == len(names)
    assert all(name.endswith("_ecg") for name in names)
    for name in REQUIRED_NAMES:
        assert name in names


def test_every_rhythm_is_well_formed() -> None:
    for wave in all_waveforms():
        assert wave.label and wave.label[0].isupper()
        lo, hi = wave.hr_range
        assert 0 <= lo <= hi <= 300
        assert set(wave.defaults) <= {"HR", "BP", "SpO2", "RR", "Temp", "EtCO2"}
        if "HR" in wave.defaults:
            assert lo <= wave.defaults["HR"] <= hi, wave.name


def test_no_alias_names_two_rhythms() -> None:
    assert alias_clashes() == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("NSR", "sinus_ecg"),
        ("Normal Sinus Rhythm", "sinus_ecg"),
        ("normal-sinus_rhythm", "sinus_ecg"),
        ("sinus", "sinus_ecg"),
        ("VF", "ventricular_fibrillation_ecg"),
        ("V-fib", "ventricular_fibrillation_ecg"),
        ("vfib", "ventricular_fibrillation_ecg"),
        ("afib", "atrial_fibrillation_ecg"),
        ("A-fib", "atrial_fibrillation_ecg"),
        ("Sinus Tach", "sinus_tachycardia_ecg"),
        ("ST", "sinus_tachycardia_ecg"),
        ("SVT", "svt_ecg"),
        ("VT", "ventricular_tachycardia_ecg"),
        ("V-tach", "ventricular_tachycardia_ecg"),
        ("complete heart block", "third_degree_av_block_ecg"),
        ("CHB", "third_degree_av_block_ecg"),
        ("Sinus tachycardia", "sinus_tachycardia_ecg"),  # the label
        ("atrial_fibrillation", "atrial_fibrillation_ecg"),  # the name without the suffix
        ("SINUS_ECG", "sinus_ecg"),
        ("  asystole  ", "asystole_ecg"),
        ("sinus_ecg", "sinus_ecg"),
    ],
)
def test_aliases_resolve_to_the_canonical_name(text: str, name: str) -> None:
    assert canonical_waveform(text) == name


@pytest.mark.parametrize("text", ["", "   ", "banana", "made_up_ecg", None, 5, ["sinus_ecg"]])
def test_unknown_text_has_no_canonical_name(text: object) -> None:
    assert canonical_waveform(text) is None


def test_is_canonical_only_for_exact_names() -> None:
    assert is_canonical("sinus_ecg")
    assert not is_canonical("NSR")
    assert not is_canonical("SINUS_ECG")
    assert not is_canonical(None)


def test_get_waveform_and_pulseless_rhythms() -> None:
    assert get_waveform("sinus_tachycardia_ecg").defaults["HR"] == 120
    assert get_waveform("sinus_bradycardia_ecg").defaults["HR"] == 45
    for name in ("asystole_ecg", "ventricular_fibrillation_ecg", "pea_ecg"):
        wave = get_waveform(name)
        assert not wave.perfusing
        assert wave.defaults["HR"] == 0 and wave.defaults["BP"] == "0/0"
    assert get_waveform("sinus_ecg").perfusing
    with pytest.raises(KeyError):
        get_waveform("NSR")
