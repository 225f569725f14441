"""The reply policy: reject only unusable replies, flag the ones with warnings, same rules as validate."""

from __future__ import annotations

import json

import pytest

from desktop.domain.llm_schema import ReplyError
from desktop.domain.models import IssueCode, Scenario, Severity
from desktop.domain.reply_policy import follow_up, judge_reply
from desktop.domain.validate import validate_scenario
from desktop.domain.vitals import format_vitals

FULL = {"HR": 88, "BP": "120/80", "SpO2": 97, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": "sinus_ecg"}
OBS = '{"HR": 112, "BP": "106/68", "SpO2": 98, "RR": 22, "Temp": 36.9, "EtCO2": 33, "waveform": "x_trace"}'


def row(**vitals: object) -> Scenario:
    return Scenario(37, "OBS-005", "Postpartum haemorrhage", vitals=dict(vitals))  # type: ignore[arg-type]


def judge(scenario: Scenario, plan: object, reply: object) -> object:
    return judge_reply(json.dumps(reply), "stop", None, scenario, plan)  # type: ignore[arg-type]


def test_partial_reply_is_merged_into_the_authors_cell() -> None:
    verdict = judge(row(Initial_Vitals=OBS), {"Initial_Vitals": ["waveform"]},
                    {"Initial_Vitals": {"waveform": "sinus_tachycardia_ecg"}})  # fmt: skip
    cell = verdict.cells["Initial_Vitals"]  # type: ignore[attr-defined]
    assert cell == {**json.loads(OBS), "waveform": "sinus_tachycardia_ecg"}
    assert verdict.generated == {"Initial_Vitals": ["waveform"]}  # type: ignore[attr-defined]
    assert not verdict.flagged  # type: ignore[attr-defined]


def test_a_warning_flags_instead_of_rejecting() -> None:
    reply = {"Initial_Vitals": {**FULL, "HR": 106}}  # sinus at 106: rhythm and rate disagree
    verdict = judge(row(), ["Initial_Vitals"], reply)
    assert verdict.flagged  # type: ignore[attr-defined]
    [issue] = verdict.warnings  # type: ignore[attr-defined]
    assert issue.code is IssueCode.INCONSISTENT_STATE and issue.field == "Initial_Vitals.HR"


def test_flags_are_exactly_the_written_cells_warnings_including_jumps_between_states() -> None:
    s = row(Initial_Vitals=format_vitals(FULL))
    tachy = {**FULL, "HR": 150, "waveform": "sinus_tachycardia_ecg"}
    verdict = judge(s, ["State1_Vitals"], {"State1_Vitals": tachy})
    cell = format_vitals(verdict.cells["State1_Vitals"])  # type: ignore[attr-defined]
    written = row(Initial_Vitals=s.vitals["Initial_Vitals"], State1_Vitals=cell)
    expected = [i for i in validate_scenario(written).issues
                if i.severity is Severity.WARNING and i.field.startswith("State1_Vitals")]  # fmt: skip
    assert verdict.warnings == expected and expected  # type: ignore[attr-defined]
    assert "jumps" in expected[0].message


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"Initial_Vitals": {**FULL, "SpO2": 140}}, "SpO2"),
        ({"Initial_Vitals": {k: v for k, v in FULL.items() if k != "HR"}}, "HR"),
        ({"Initial_Vitals": {**FULL, "waveform": "asystole_ecg"}}, "no pulse"),
        ({"State1_Vitals": FULL}, "missing Initial_Vitals"),
    ],
)
def test_unusable_replies_are_rejected_with_the_reason(reply: object, reason: str) -> None:
    with pytest.raises(ReplyError) as info:
        judge(row(), ["Initial_Vitals"], reply)
    assert reason in info.value.reason


def test_a_generated_rhythm_that_contradicts_the_authors_pulse_is_rejected() -> None:
    with pytest.raises(ReplyError) as info:
        judge(row(Initial_Vitals=OBS), {"Initial_Vitals": ["waveform"]},
              {"Initial_Vitals": {"waveform": "ventricular_fibrillation_ecg"}})  # fmt: skip
    assert "Initial_Vitals.HR" in info.value.reason and "112" in info.value.reason


@pytest.mark.parametrize(
    ("content", "finish", "refusal", "reason"),
    [(None, "stop", "No.", "refused"), ('{"Init', "length", None, "cut off"), ("  ", "stop", None, "empty")],
)
def test_refused_cut_off_and_empty_replies(
    content: str | None, finish: str, refusal: str | None, reason: str
) -> None:
    with pytest.raises(ReplyError) as info:
        judge_reply(content, finish, refusal, row(), ["Initial_Vitals"])
    assert reason in info.value.reason


def test_follow_up_names_the_complaint_after_the_reply() -> None:
    messages = follow_up('{"bad": 1}', "Initial_Vitals.SpO2: 140% is outside the possible range 0–100.")
    assert [m["role"] for m in messages] == ["assistant", "user"]
    assert messages[0]["content"] == '{"bad": 1}'
    assert "SpO2: 140%" in messages[1]["content"] and "cannot be used" in messages[1]["content"]
