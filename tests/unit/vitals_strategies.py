"""Hypothesis strategies for messy vitals cells, shared by the auto-fix and defaults tests."""

from __future__ import annotations

import json

from hypothesis import strategies as st

PLACEHOLDER = st.sampled_from(["N/A", "n/a", "-", "", "NA", "null", "?", "--"])
NUMBERISH = st.one_of(
    st.integers(-50, 400),
    st.floats(-10, 400, allow_nan=False, allow_infinity=False),
    st.integers(0, 300).map(lambda n: f"{n} bpm"),
    st.integers(0, 100).map(lambda n: f"{n}%"),
    st.floats(80, 115).map(lambda t: f"{t:.1f} °F"),
    st.text(max_size=6),
    PLACEHOLDER,
    st.none(),
)
BP_VALUE = st.one_of(
    st.tuples(st.integers(0, 350), st.integers(0, 250)).map(lambda p: f"{p[0]} / {p[1]} mmHg"),
    st.tuples(st.integers(0, 350), st.integers(0, 250)).map(lambda p: f"{p[0]}/{p[1]}"),
    st.tuples(st.integers(0, 350), st.integers(0, 250)).map(lambda p: {"sys": p[0], "dia": p[1]}),
    PLACEHOLDER,
    st.text(max_size=8),
    st.none(),
)
WAVE = st.one_of(
    st.sampled_from(["sinus_ecg", "NSR", "V-fib", "afib", "Sinus Tach", "CHB", "asystole_ecg", "banana"]),
    st.text(max_size=8),
    PLACEHOLDER,
    st.none(),
)
KEY_SPELLINGS = {
    "HR": ["HR", "hr", "Heart Rate"],
    "BP": ["BP", "bp"],
    "SpO2": ["SpO2", "spo2", "SPO2"],
    "RR": ["RR", "rr"],
    "Temp": ["Temp", "temp", "TEMPERATURE"],
    "EtCO2": ["EtCO2", "etco2"],
    "waveform": ["waveform", "Waveform", "rhythm"],
}


@st.composite
def vitals_objects(draw: st.DrawFn) -> dict[str, object]:
    """A vitals object with a random subset of fields, spellings and value forms."""
    data: dict[str, object] = {}
    for field, spellings in KEY_SPELLINGS.items():
        if not draw(st.booleans()):
            continue
        key = draw(st.sampled_from(spellings))
        strategy = BP_VALUE if field == "BP" else WAVE if field == "waveform" else NUMBERISH
        data[key] = draw(strategy)
    if draw(st.booleans()):
        data["SBP"] = draw(st.integers(0, 320))
        data["DBP"] = draw(st.integers(0, 220))
    if draw(st.booleans()):
        data["Notes"] = draw(st.text(max_size=10))
    return data


def cells() -> st.SearchStrategy[object]:
    """Any vitals cell: JSON text of a messy object, a placeholder, empty, or broken JSON."""
    return st.one_of(
        vitals_objects().map(lambda d: json.dumps(d, ensure_ascii=False)),
        PLACEHOLDER,
        st.just(""),
        st.none(),
        st.text(max_size=12),
    )
