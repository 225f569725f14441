"""Validation rules of SPEC section 4, the score, completeness and the summary."""

from __future__ import annotations

import json

import pytest

from desktop.domain.models import IssueCode, RowReport, Scenario, Severity
from desktop.domain.validate import completeness, summarize, validate_scenario, validate_table
from desktop.domain.vitals_check import validate_vitals
from tests.unit.vitals_strategies import GOOD


def row(initial: object = None, *states: object, case_id: str = "CARD-001", title: str = "Chest pain",
        number: int = 3) -> Scenario:  # fmt: skip
    """A scenario whose cells are given as dicts (written as JSON text) or raw cell values."""

    def cell(value: object) -> object:
        return json.dumps(value) if isinstance(value, dict) else value

    vitals = {"Initial_Vitals": cell(initial)}
    for n, state in enumerate(states, start=1):
        vitals[f"State{n}_Vitals"] = cell(state)
    return Scenario(row=number, case_id=case_id, title=title, vitals=vitals)  # type: ignore[arg-type]


def codes(report: RowReport, severity: Severity | None = None) -> set[tuple[str, str]]:
    return {(i.code.value, i.field) for i in report.issues if severity is None or i.severity is severity}


def find(report: RowReport, code: IssueCode, field: str) -> list[str]:
    return [i.message for i in report.issues if i.code is code and i.field == field]


def test_clean_row_scores_130_without_issues() -> None:
    report = validate_scenario(row(GOOD, dict(GOOD, HR=92)))
    assert report.issues == []
    assert report.score == 130
    assert report.row == 3 and report.case_id == "CARD-001"


@pytest.mark.parametrize("missing", ["HR", "BP", "SpO2", "RR", "waveform"])
def test_missing_required_field_is_critical(missing: str) -> None:
    data = {k: v for k, v in GOOD.items() if k != missing}
    report = validate_scenario(row(data))
    assert ("missing_field", f"Initial_Vitals.{missing}") in codes(report, Severity.CRITICAL)
    bonus = 10 if missing == "waveform" else 0  # the canonical-waveform bonus goes with the waveform
    assert report.score == 130 - 20 - bonus


def test_null_required_field_counts_as_missing() -> None:
    report = validate_scenario(row(dict(GOOD, HR=None)))
    assert ("missing_field", "Initial_Vitals.HR") in codes(report, Severity.CRITICAL)


@pytest.mark.parametrize("missing", ["Temp", "EtCO2"])
def test_missing_optional_field_is_info(missing: str) -> None:
    data = {k: v for k, v in GOOD.items() if k != missing}
    report = validate_scenario(row(data))
    assert codes(report, Severity.INFO) >= {("missing_field", f"Initial_Vitals.{missing}")}
    assert report.critical_count == 0 and report.warning_count == 0
    assert report.score == 120


def test_empty_initial_vitals_is_critical_but_empty_states_are_not() -> None:
    report = validate_scenario(row("", "", None))
    assert [(i.severity, i.code, i.field) for i in report.issues] == [
        (Severity.CRITICAL, IssueCode.MISSING_FIELD, "Initial_Vitals")
    ]
    assert report.score == 0


def test_missing_initial_column_is_critical() -> None:
    scenario = Scenario(row=4, case_id="X", title="t", vitals={"State1_Vitals": json.dumps(GOOD)})
    report = validate_scenario(scenario)
    assert ("missing_field", "Initial_Vitals") in codes(report, Severity.CRITICAL)


@pytest.mark.parametrize("raw", ['{"HR": 88,', "[1, 2]", "42"])
def test_broken_json_is_critical(raw: str) -> None:
    report = validate_scenario(row(raw))
    assert ("invalid_json", "Initial_Vitals") in codes(report, Severity.CRITICAL)
    assert report.score == 0


def test_broken_state_json_is_critical_too() -> None:
    report = validate_scenario(row(GOOD, '{"HR": }'))
    assert ("invalid_json", "State1_Vitals") in codes(report, Severity.CRITICAL)


@pytest.mark.parametrize(
    ("field", "value"),
    [("HR", 350), ("HR", -1), ("SpO2", 101), ("RR", 61), ("Temp", 29.9), ("Temp", 46), ("EtCO2", 101)],
)
def test_hard_range_is_critical(field: str, value: float) -> None:
    report = validate_scenario(row(dict(GOOD, **{field: value})))
    assert ("out_of_range", f"Initial_Vitals.{field}") in codes(report, Severity.CRITICAL)
    assert report.score == 130 - (20 if field == "HR" or field in ("SpO2", "RR") else 10)


def test_range_message_is_a_plain_sentence() -> None:
    report = validate_scenario(row(dict(GOOD, HR=350)))
    assert find(report, IssueCode.OUT_OF_RANGE, "Initial_Vitals.HR") == [
        "Heart rate 350 bpm is outside the possible range 0–300."
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("HR", 170), ("SpO2", 85), ("RR", 6), ("Temp", 39.5), ("EtCO2", 55), ("BP", "190/80"),
     ("BP", "120/30")],
)  # fmt: skip
def test_typical_range_is_a_warning(field: str, value: object) -> None:
    data = dict(GOOD, **{field: value})
    if field == "HR":
        data["waveform"] = "sinus_tachycardia_ecg"
    report = validate_scenario(row(data))
    assert ("atypical_value", f"Initial_Vitals.{field}") in codes(report, Severity.WARNING)
    assert report.critical_count == 0
    assert report.score == 130  # atypical values are still valid


def test_range_limits_are_inclusive() -> None:
    data = {"HR": 300, "BP": "300/200", "SpO2": 0, "RR": 60, "Temp": 45, "EtCO2": 100,
            "waveform": "sinus_ecg"}  # fmt: skip
    report = validate_scenario(row(data))
    assert not [i for i in report.issues if i.code is IssueCode.OUT_OF_RANGE]


@pytest.mark.parametrize("bp", ["350/80", "120/250", "80/120", "high", 120])
def test_impossible_blood_pressure_is_critical(bp: object) -> None:
    report = validate_scenario(row(dict(GOOD, BP=bp)))
    assert ("out_of_range", "Initial_Vitals.BP") in codes(report, Severity.CRITICAL)
    assert report.score == 110


def test_blood_pressure_in_other_forms_is_accepted() -> None:
    for data in (dict(GOOD, BP={"sys": 120, "dia": 80}), {**{k: v for k, v in GOOD.items() if k != "BP"},
                                                          "SBP": 120, "DBP": 80}):  # fmt: skip
        report = validate_scenario(row(data))
        assert report.critical_count == 0
        assert report.score == 130


def test_numbers_with_units_and_lower_case_keys_are_valid() -> None:
    data = {"hr": "88 bpm", "bp": "120 / 80 mmHg", "spo2": "98%", "rr": "16", "temp": "37.2 °C",
            "etco2": 35, "waveform": "sinus_ecg"}  # fmt: skip
    report = validate_scenario(row(data))
    assert report.issues == []
    assert report.score == 130


def test_not_a_number_is_critical() -> None:
    report = validate_scenario(row(dict(GOOD, HR="fast")))
    assert find(report, IssueCode.OUT_OF_RANGE, "Initial_Vitals.HR") == ["Heart rate 'fast' is not a number."]


def test_fahrenheit_temperature_is_critical_and_says_auto_fix_converts() -> None:
    report = validate_scenario(row(dict(GOOD, Temp=98.6)))
    [message] = find(report, IssueCode.OUT_OF_RANGE, "Initial_Vitals.Temp")
    assert "°F" in message and "37.0" in message


def test_waveform_alias_is_a_warning_and_loses_the_bonus() -> None:
    report = validate_scenario(row(dict(GOOD, waveform="NSR")))
    assert codes(report) == {("noncanonical_waveform", "Initial_Vitals.waveform")}
    assert report.issues[0].severity is Severity.WARNING
    assert report.score == 120


@pytest.mark.parametrize("wave", ["banana", "made_up_ecg", 5, ""])
def test_unknown_waveform_is_critical(wave: object) -> None:
    report = validate_scenario(row(dict(GOOD, waveform=wave)))
    code = "placeholder_value" if wave == "" else "invalid_waveform"
    assert (code, "Initial_Vitals.waveform") in codes(report, Severity.CRITICAL)
    assert report.score == 100


@pytest.mark.parametrize("value", ["N/A", "-", "", "n/a"])
def test_placeholder_in_required_field_is_critical(value: str) -> None:
    report = validate_scenario(row(dict(GOOD, SpO2=value)))
    assert codes(report, Severity.CRITICAL) == {("placeholder_value", "Initial_Vitals.SpO2")}


def test_placeholder_in_optional_field_is_a_warning() -> None:
    report = validate_scenario(row(dict(GOOD, EtCO2="N/A")))
    assert ("placeholder_value", "Initial_Vitals.EtCO2") in codes(report, Severity.WARNING)
    assert report.critical_count == 0


def test_placeholder_cells() -> None:
    report = validate_scenario(row("N/A", "-"))
    assert ("placeholder_value", "Initial_Vitals") in codes(report, Severity.CRITICAL)
    assert ("placeholder_value", "State1_Vitals") in codes(report, Severity.WARNING)


ARREST = {"HR": 0, "BP": "0/0", "SpO2": 0, "RR": 0, "EtCO2": 10}


@pytest.mark.parametrize("wave", ["asystole_ecg", "ventricular_fibrillation_ecg", "pea_ecg", "VF"])
def test_pulseless_rhythm_with_arrest_numbers_is_consistent(wave: str) -> None:
    report = validate_scenario(row(dict(ARREST, waveform=wave, Temp=36.5)))
    unwanted = (IssueCode.INCONSISTENT_STATE, IssueCode.ATYPICAL_VALUE)
    assert not [i for i in report.issues if i.code in unwanted]


@pytest.mark.parametrize("wave", ["asystole_ecg", "ventricular_fibrillation_ecg", "pea_ecg"])
def test_pulseless_rhythm_with_a_pulse_is_critical(wave: str) -> None:
    report = validate_scenario(row(dict(GOOD, waveform=wave)))
    found = codes(report, Severity.CRITICAL)
    assert ("inconsistent_state", "Initial_Vitals.HR") in found
    assert ("inconsistent_state", "Initial_Vitals.BP") in found


def test_sinus_tachycardia_needs_a_fast_heart_rate() -> None:
    report = validate_scenario(row(dict(GOOD, waveform="sinus_tachycardia_ecg", HR=100)))
    [message] = find(report, IssueCode.INCONSISTENT_STATE, "Initial_Vitals.HR")
    assert "Sinus tachycardia" in message and "100" in message
    assert not find(validate_scenario(row(dict(GOOD, waveform="sinus_tachycardia_ecg", HR=101))),
                    IssueCode.INCONSISTENT_STATE, "Initial_Vitals.HR")  # fmt: skip


def test_bradycardia_needs_a_slow_heart_rate() -> None:
    report = validate_scenario(row(dict(GOOD, waveform="sinus_bradycardia_ecg", HR=60)))
    assert find(report, IssueCode.INCONSISTENT_STATE, "Initial_Vitals.HR")
    report = validate_scenario(row(dict(GOOD, waveform="sinus_bradycardia_ecg", HR=59)))
    assert not find(report, IssueCode.INCONSISTENT_STATE, "Initial_Vitals.HR")


def test_heart_rate_outside_the_rhythm_range() -> None:
    report = validate_scenario(row(dict(GOOD, waveform="third_degree_av_block_ecg", HR=110)))
    assert find(report, IssueCode.INCONSISTENT_STATE, "Initial_Vitals.HR")


def test_states_must_keep_the_initial_keys() -> None:
    state = {k: v for k, v in GOOD.items() if k != "EtCO2"}
    state["Notes"] = "worse"
    report = validate_scenario(row(GOOD, state))
    messages = find(report, IssueCode.INCONSISTENT_STATE, "State1_Vitals")
    assert any("EtCO2" in m for m in messages)
    assert any("Notes" in m for m in messages)


def test_implausible_jumps_between_states() -> None:
    jump = dict(GOOD, HR=150, SpO2=60, Temp=40.5, BP="210/100")
    jump["waveform"] = "sinus_tachycardia_ecg"
    report = validate_scenario(row(GOOD, jump))
    found = codes(report, Severity.WARNING)
    for field in ("HR", "SpO2", "Temp", "BP"):
        assert ("inconsistent_state", f"State1_Vitals.{field}") in found, field


def test_jumps_compare_with_the_previous_filled_state() -> None:
    later = dict(GOOD, HR=150, waveform="sinus_tachycardia_ecg")
    report = validate_scenario(row(GOOD, "", later))
    [message] = find(report, IssueCode.INCONSISTENT_STATE, "State2_Vitals.HR")
    assert "between Initial_Vitals and State2_Vitals" in message


def test_small_changes_and_cardiac_arrest_are_not_jumps() -> None:
    report = validate_scenario(row(GOOD, dict(GOOD, HR=140, waveform="sinus_tachycardia_ecg", SpO2=70)))
    assert not find(report, IssueCode.INCONSISTENT_STATE, "State1_Vitals.HR")
    assert not find(report, IssueCode.INCONSISTENT_STATE, "State1_Vitals.SpO2")
    arrest = dict(ARREST, waveform="ventricular_fibrillation_ecg", Temp=37.0)
    report = validate_scenario(row(GOOD, arrest, GOOD))
    assert not [i for i in report.issues if i.code is IssueCode.INCONSISTENT_STATE]


def test_missing_case_id_and_title_are_reported() -> None:
    report = validate_scenario(row(GOOD, case_id=" ", title=""))
    assert ("missing_field", "Case_ID") in codes(report, Severity.CRITICAL)
    assert ("missing_field", "Case_Title") in codes(report, Severity.WARNING)


def test_completeness() -> None:
    assert completeness(row(GOOD, "")) == 100.0
    partial = {"HR": 80, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"}
    assert completeness(row(GOOD, partial)) == round(100 * 12 / 14, 1)
    assert completeness(row(GOOD, "N/A")) == 50.0
    assert completeness(row("")) == 0.0
    report = validate_scenario(row(GOOD, partial))
    expected = ["Vitals are 86% complete (12 of 14 fields filled)."]
    assert find(report, IssueCode.MISSING_FIELD, "Vitals") == expected


def test_score_is_on_initial_vitals_only() -> None:
    report = validate_scenario(row(GOOD, {"HR": 999}))
    assert report.score == 130
    assert report.critical_count > 0


def test_validate_vitals_checks_one_object() -> None:
    issues = validate_vitals(dict(GOOD, HR=400), "State2_Vitals")
    assert [(i.severity, i.code, i.field) for i in issues] == [
        (Severity.CRITICAL, IssueCode.OUT_OF_RANGE, "State2_Vitals.HR")
    ]
    assert validate_vitals(GOOD, "State2_Vitals") == []


def test_duplicate_case_ids_across_rows() -> None:
    rows = [row(GOOD, number=3), row(GOOD, number=4, case_id="card-001 "), row(GOOD, number=5, case_id="B")]
    reports = validate_table(rows)
    assert [r.row for r in reports] == [3, 4, 5]
    expected = ["Case ID CARD-001 is also used in row 4."]
    assert find(reports[0], IssueCode.DUPLICATE_CASE_ID, "Case_ID") == expected
    assert find(reports[1], IssueCode.DUPLICATE_CASE_ID, "Case_ID")
    assert not find(reports[2], IssueCode.DUPLICATE_CASE_ID, "Case_ID")
    assert reports[0].issues[0].severity is Severity.WARNING


def test_summarize() -> None:
    rows = [
        row(GOOD, number=3, case_id="A"),
        row(dict(GOOD, HR=400, SpO2=150), number=4, case_id="B"),  # 2 critical, score 90
        row(dict(GOOD, waveform="NSR"), number=5, case_id="C"),  # 1 warning, score 120
    ]
    reports = validate_table(rows)
    assert summarize(reports) == {"rows": 3, "critical": 2, "warnings": 1, "average_score": 113.3}
    assert summarize([]) == {"rows": 0, "critical": 0, "warnings": 0, "average_score": 0.0}


def test_issues_serialise_for_the_json_report() -> None:
    report = validate_scenario(row(dict(GOOD, HR=350)))
    document = json.loads(json.dumps(report.to_json()))
    assert document["issues"][0] == {
        "severity": "critical",
        "code": "out_of_range",
        "field": "Initial_Vitals.HR",
        "message": "Heart rate 350 bpm is outside the possible range 0–300.",
    }
