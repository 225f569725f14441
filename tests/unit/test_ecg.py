"""The generated ECG traces: every canonical rhythm drawn, bounded, and at the heart rate asked for."""

from __future__ import annotations

import itertools
import math

import pytest

from desktop.domain.ecg import LIMIT, ecg_samples, known_rhythms
from desktop.domain.waveforms import all_waveforms

CANONICAL = [w.name for w in all_waveforms()]


def r_peaks(samples: list[float], threshold: float = 0.6) -> int:
    """Local maxima above ``threshold`` (one per QRS in a clean trace)."""
    return sum(
        1
        for i in range(1, len(samples) - 1)
        if samples[i] > threshold and samples[i] >= samples[i - 1] and samples[i] > samples[i + 1]
    )


def test_every_canonical_waveform_has_its_own_shape() -> None:
    assert set(CANONICAL) <= set(known_rhythms())


@pytest.mark.parametrize("name", CANONICAL)
def test_each_waveform_is_finite_bounded_and_of_the_expected_length(name: str) -> None:
    samples = ecg_samples(name, 80, seconds=3.0, rate=200)
    assert len(samples) == 600
    assert all(math.isfinite(v) and -LIMIT <= v <= LIMIT for v in samples)


@pytest.mark.parametrize("name", [n for n in CANONICAL if n != "asystole_ecg"])
def test_each_waveform_other_than_asystole_shows_activity(name: str) -> None:
    samples = ecg_samples(name, 80)
    assert max(samples) - min(samples) > 0.3


def test_asystole_is_flat() -> None:
    samples = ecg_samples("asystole_ecg", 0)
    assert max(samples) - min(samples) < 0.05


def test_rate_follows_heart_rate() -> None:
    slow = r_peaks(ecg_samples("sinus_ecg", 60, seconds=10.0))
    fast = r_peaks(ecg_samples("sinus_ecg", 120, seconds=10.0))
    assert 9 <= slow <= 11
    assert 19 <= fast <= 21


def test_atrial_fibrillation_is_irregular_and_sinus_is_not() -> None:
    def intervals(samples: list[float]) -> list[int]:
        peaks = [
            i
            for i in range(1, len(samples) - 1)
            if samples[i] > 0.6 and samples[i] >= samples[i - 1] and samples[i] > samples[i + 1]
        ]
        return [b - a for a, b in itertools.pairwise(peaks)]

    af = intervals(ecg_samples("atrial_fibrillation_ecg", 90, seconds=10.0))
    sinus = intervals(ecg_samples("sinus_ecg", 90, seconds=10.0))
    assert max(sinus) - min(sinus) <= 1
    assert max(af) - min(af) > 20


def test_missing_rate_and_unknown_name_still_draw() -> None:
    assert len(ecg_samples("not_a_rhythm_ecg", None)) == 1000
    assert r_peaks(ecg_samples("pea_ecg", 0, seconds=6.0), threshold=0.4) >= 3
    assert ecg_samples("sinus_ecg", 80, seconds=0) == []


def test_samples_are_repeatable() -> None:
    assert ecg_samples("ventricular_fibrillation_ecg", 0) == ecg_samples("ventricular_fibrillation_ecg", 0)
