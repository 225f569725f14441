"""Write the deterministic demo workbook: ``python scripts/make_demo_workbook.py [OUT.xlsx]``.

The workbook has a banner in row 1, headers in row 2 and one simulation case per row from row 3,
about half complete and clean, the rest with planted problems for validation and auto-fix to find.
PLANTED.md, written beside the workbook, lists which rows carry which problem.

Each case lists its four vitals cells (Initial, State1-3). A cell is a dict (written as JSON),
a raw string (written as is, e.g. broken JSON) or None (left empty).
"""

from __future__ import annotations

import datetime
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

Cell = dict[str, object] | str | None


def v(
    hr: object, bp: object, spo2: object, rr: object, temp: object, etco2: object, wf: object
) -> dict[str, object]:
    """A vitals object in canonical key order."""
    return {"HR": hr, "BP": bp, "SpO2": spo2, "RR": rr, "Temp": temp, "EtCO2": etco2, "waveform": wf}


def arrest(wf: str, temp: float = 36.8) -> dict[str, object]:
    """Vitals during a non-perfusing rhythm, with CPR in progress."""
    return v(0, "0/0", 0, 0, temp, 12, wf)


def without(vitals: dict[str, object], *keys: str) -> dict[str, object]:
    """A copy of ``vitals`` without ``keys``."""
    return {k: val for k, val in vitals.items() if k not in keys}


@dataclass
class Case:
    case_id: str
    title: str
    category: str
    age: int | str
    sex: str
    complaint: str
    diagnosis: str
    history: str
    objectives: str
    states: list[Cell]
    notes: str = ""
    planted: list[str] = field(default_factory=list)


ST = "sinus_tachycardia_ecg"
SR = "sinus_ecg"
SB = "sinus_bradycardia_ecg"

CASES: list[Case] = [
    # ------------------------------------------------------------------ cardiac
    Case(
        "CARD-001",
        "Crushing chest pain progressing to cardiac arrest",
        "Cardiac",
        58,
        "M",
        "Central chest pain radiating to the left arm for 40 minutes",
        "Anterior STEMI complicated by VF arrest",
        "Smoker, hypertension, type 2 diabetes; no known allergies",
        "Recognise STEMI; manage VF arrest with early defibrillation; post-ROSC care and cath-lab activation",
        [
            v(104, "148/92", 95, 20, 37.0, 36, "stemi_ecg"),
            arrest("ventricular_fibrillation_ecg", 37.0),
            v(118, "96/58", 94, 14, 36.8, 38, ST),
            v(92, "118/72", 97, 16, 36.9, 37, SR),
        ],
        "Defibrillator and airway trainer required.",
    ),
    Case(
        "CARD-002",
        "Palpitations and breathlessness",
        "Cardiac",
        71,
        "F",
        "Fast irregular heartbeat since this morning",
        "New atrial fibrillation with rapid ventricular response",
        "Hypertension, hypothyroidism on levothyroxine",
        "Rate versus rhythm control; anticoagulation risk assessment",
        [
            v(148, "112/74", 96, 22, 37.1, 33, "atrial_fibrillation_ecg"),
            v(126, "108/70", 96, 20, 37.1, 34, "atrial_fibrillation_ecg"),
            v(98, "118/76", 97, 18, 37.0, 35, "atrial_fibrillation_ecg"),
            v(84, "124/78", 98, 16, 37.0, 35, "atrial_fibrillation_ecg"),
        ],
    ),
    Case(
        "CARD-003",
        "Dizzy spells and syncope",
        "Cardiac",
        79,
        "M",
        "Two collapses today, feels light-headed",
        "Complete heart block",
        "Previous inferior MI, on bisoprolol",
        "Recognise complete heart block; atropine; transcutaneous pacing",
        [
            v(34, "86/48", 94, 18, 36.8, 35, "third_degree_av_block_ecg"),
            v(36, "84/46", 94, 18, 36.8, 34, "third_degree_av_block_ecg"),
            v(70, "112/68", 97, 16, 36.8, 36, "paced_ecg"),
            v(70, "118/70", 98, 16, 36.8, 36, "paced_ecg"),
        ],
        "Pacing pads on the manikin.",
    ),
    Case(
        "CARD-004",
        "Sudden racing heart in a young woman",
        "Cardiac",
        27,
        "F",
        "Pounding palpitations for 30 minutes",
        "AV nodal re-entrant tachycardia",
        "Two similar episodes that stopped on their own",
        "Vagal manoeuvres; adenosine dosing and warning the patient",
        [
            v(196, "104/68", 97, 20, 36.9, 34, "svt_ecg"),
            v(42, "98/60", 97, 18, 36.9, 34, SB),
            v(88, "122/78", 98, 16, 36.9, 35, "NSR"),
            v(80, "120/76", 99, 14, 36.9, 36, "Normal Sinus Rhythm"),
        ],
        planted=["waveform aliases (State2 'NSR', State3 'Normal Sinus Rhythm')"],
    ),
    Case(
        "CARD-005",
        "Breathless after a recent heart attack",
        "Cardiac",
        66,
        "M",
        "Increasing breathlessness and dizziness",
        "Cardiac tamponade after myocardial infarction",
        "Anterior MI treated 5 days ago",
        "Beck's triad; bedside echo; pericardiocentesis",
        [v(124, "84/62", 93, 26, 36.9, 30, ST), None, None, None],
        planted=["empty State1-3 cells (to be generated)"],
    ),
    Case(
        "CARD-006",
        "Weakness in a dialysis patient",
        "Cardiac",
        63,
        "F",
        "Generalised weakness, missed dialysis",
        "Hyperkalaemia with bradycardia",
        "End-stage renal disease on haemodialysis",
        "ECG changes of hyperkalaemia; calcium, insulin-dextrose, dialysis",
        [
            {
                "HR": 44,
                "BP": {"sys": 92, "dia": 54},
                "SpO2": 96,
                "RR": 18,
                "Temp": 36.6,
                "EtCO2": 34,
                "waveform": "hyperkalemia_ecg",
            },
            v(48, "96/56", 96, 18, 36.6, 34, "hyperkalemia_ecg"),
            v(66, "112/64", 97, 16, 36.7, 35, SR),
            v(74, "124/70", 98, 16, 36.7, 35, SR),
        ],
        planted=["BP written as {'sys': .., 'dia': ..} in Initial_Vitals"],
    ),
    # ------------------------------------------------------------------ respiratory
    Case(
        "RESP-001",
        "Wheezy and unable to finish sentences",
        "Respiratory",
        24,
        "F",
        "Worsening wheeze over 6 hours",
        "Acute severe asthma",
        "Asthma since childhood, one previous ICU admission",
        "Assess asthma severity; nebulised bronchodilators, steroids, magnesium",
        [
            v(128, "138/84", 91, 32, 37.2, 32, ST),
            v(134, "134/82", 93, 28, 37.2, 36, ST),
            v(142, "128/80", 89, 34, 37.2, 48, ST),
            v(108, "126/78", 96, 22, 37.1, 38, ST),
        ],
    ),
    Case(
        "RESP-002",
        "Breathless smoker with productive cough",
        "Respiratory",
        69,
        "M",
        "Increased sputum and breathlessness for 3 days",
        "Infective exacerbation of COPD",
        "COPD (FEV1 38%), home oxygen 2 L",
        "Controlled oxygen; recognise hypercapnia; NIV",
        [
            v(108, "146/88", 86, 28, 37.8, 56, ST),
            v(112, "150/90", 90, 26, 37.8, 62, ST),
            v(104, "142/86", 89, 22, 37.6, 54, ST),
            v(94, "136/82", 90, 18, 37.4, 48, SR),
        ],
    ),
    Case(
        "RESP-003",
        "Breathless after a motorbike crash",
        "Respiratory",
        31,
        "M",
        "Sharp right chest pain and worsening breathlessness",
        "Right tension pneumothorax",
        "Fit and well",
        "Recognise tension pneumothorax; needle decompression; chest drain",
        [
            v(134, "88/52", 84, 36, 37.0, 30, ST),
            v(148, "70/40", 78, 40, 36.9, 26, ST),
            v(112, "108/66", 92, 26, 36.9, 34, ST),
            v(98, "118/72", 95, 20, 36.9, 36, SR),
        ],
    ),
    Case(
        "RESP-004",
        "Fever and cough in an older man",
        "Respiratory",
        77,
        "M",
        "Cough with green sputum and confusion",
        "Community-acquired pneumonia",
        "Atrial fibrillation on apixaban",
        "CURB-65 scoring; oxygen; antibiotics",
        [
            v(112, "104/64", 90, 26, "N/A", "-", "atrial_fibrillation_ecg"),
            v(106, "108/66", 93, 24, 38.4, 33, "atrial_fibrillation_ecg"),
            v(98, "114/70", 94, 22, "-", 34, "atrial_fibrillation_ecg"),
            v(88, "120/72", 95, 20, 37.6, 35, "atrial_fibrillation_ecg"),
        ],
        planted=["placeholders: Initial Temp 'N/A' and EtCO2 '-', State2 Temp '-'"],
    ),
    Case(
        "RESP-005",
        "Sudden breathlessness after a long flight",
        "Respiratory",
        45,
        "F",
        "Pleuritic chest pain and breathlessness",
        "Pulmonary embolism",
        "Combined oral contraceptive pill, flew from Singapore yesterday",
        "Wells score; CTPA; anticoagulation; thrombolysis criteria",
        [
            v("124 bpm", "112/76", "89%", 28, 37.3, 30, ST),
            v(128, "104/70", 90, 30, 37.3, 29, ST),
            v("116 bpm", "110/72", "94%", 24, 37.2, 32, ST),
            v(102, "118/74", 96, 20, 37.2, 34, ST),
        ],
        planted=["numbers with units: HR '124 bpm'/'116 bpm', SpO2 '89%'/'94%'"],
    ),
    Case(
        "RESP-006",
        "Lip swelling and wheeze after a peanut snack",
        "Respiratory",
        19,
        "M",
        "Swollen lips, itchy rash, tight chest",
        "Anaphylaxis with bronchospasm",
        "Known peanut allergy, carries an adrenaline auto-injector",
        "Recognise anaphylaxis; IM adrenaline; airway assessment",
        [
            without(v(132, "82/48", 89, 30, 37.0, 30, ST), "RR", "waveform"),
            v(118, "96/58", 93, 24, 37.0, 33, ST),
            without(v(104, "112/68", 96, 20, 37.0, 35, ST), "waveform"),
            v(92, "118/72", 98, 18, 37.0, 36, SR),
        ],
        planted=["missing required fields: Initial_Vitals has no RR and no waveform, State2 no waveform"],
    ),
    # ------------------------------------------------------------------ sepsis
    Case(
        "SEP-001",
        "Confused and feverish in a care home",
        "Sepsis",
        84,
        "F",
        "New confusion and rigors",
        "Urosepsis progressing to septic shock",
        "Dementia, recurrent urinary tract infections",
        "Sepsis six; fluid resuscitation; vasopressors",
        [
            v(118, "92/54", 94, 24, 38.9, 30, ST),
            v(108, "100/60", 95, 22, 38.6, 31, ST),
            v(132, "78/42", 92, 28, 39.2, 28, ST),
            v(110, "104/62", 95, 22, 38.6, 32, ST),
        ],
    ),
    Case(
        "SEP-002",
        "Student with fever and a rash",
        "Sepsis",
        19,
        "F",
        "Fever, headache and a non-blanching rash",
        "Meningococcal septicaemia",
        "Fit and well, lives in student halls",
        "Early antibiotics; recognise purpura fulminans",
        [
            v(136, "88/46", 95, 26, 39.6, 30, ST),
            v(148, "74/38", 93, 30, 39.8, 27, ST),
            v(124, "96/52", 96, 24, 39.1, 32, ST),
            v(104, "110/64", 97, 20, 38.2, 34, ST),
        ],
    ),
    Case(
        "SEP-003",
        "Fever during chemotherapy",
        "Sepsis",
        52,
        "M",
        "Fever and shivering 9 days after chemotherapy",
        "Neutropenic sepsis",
        "Diffuse large B-cell lymphoma on R-CHOP",
        "Antibiotics within one hour; protective isolation",
        [
            v(116, "102/58", 96, 22, 38.7, 33, ST),
            v(122, "94/52", 95, 24, 39.0, 31, ST),
            v(108, "106/60", 96, 20, 38.4, 33, ST),
            v(96, "114/66", 97, 18, 37.8, 35, SR),
        ],
    ),
    Case(
        "SEP-004",
        "Shortness of breath and high fever",
        "Sepsis",
        61,
        "M",
        "Fever, cough and breathlessness for 4 days",
        "Pneumonia with sepsis",
        "Type 2 diabetes, chronic kidney disease stage 3",
        "qSOFA; lactate; antibiotics; fluid balance",
        [
            v(114, "98/60", 91, 28, 102.4, 31, ST),
            v(120, "92/56", 90, 30, 103.1, 30, ST),
            v(106, "104/62", 93, 24, 101.3, 33, ST),
            v(96, "112/68", 95, 20, 99.5, 35, SR),
        ],
        planted=["Temp in °F in all four states (102.4, 103.1, 101.3, 99.5)"],
    ),
    Case(
        "SEP-005",
        "Painful swollen leg after a cut",
        "Sepsis",
        48,
        "M",
        "Severe leg pain out of proportion to a small wound",
        "Necrotising fasciitis",
        "Type 2 diabetes, alcohol excess",
        "Recognise necrotising fasciitis; urgent surgical debridement",
        [
            v(122, "96/58", 140, 24, 38.8, 31, ST),
            v(350, "82/46", 93, 28, 39.2, 29, ST),
            v(118, "100/60", 95, 22, 38.5, 32, ST),
            v(102, "112/66", 96, 20, 37.9, 34, ST),
        ],
        planted=["out-of-range values: Initial SpO2 140, State1 HR 350"],
    ),
    Case(
        "SEP-006",
        "Fever and jaundice",
        "Sepsis",
        73,
        "F",
        "Right upper quadrant pain, fever and yellow eyes",
        "Ascending cholangitis",
        "Gallstones, awaiting cholecystectomy",
        "Charcot's triad; antibiotics; urgent ERCP",
        [v(112, "100/62", 95, 22, 39.0, 33, ST), v(124, "86/50", 94, 26, 39.4, 30, ST), None, None],
        planted=["empty State2 and State3 cells (to be generated)"],
    ),
    # ------------------------------------------------------------------ trauma
    Case(
        "TRA-001",
        "Pedestrian hit by a car",
        "Trauma",
        42,
        "F",
        "Pelvic pain, unable to stand",
        "Haemorrhagic shock from an open-book pelvic fracture",
        "Unknown; found at the roadside",
        "Catastrophic haemorrhage control; pelvic binder; major haemorrhage protocol",
        [
            v(128, "88/56", 96, 26, 36.2, 30, ST),
            v(146, "72/44", 95, 30, 35.9, 27, ST),
            v(118, "96/60", 97, 22, 36.0, 32, ST),
            v(104, "108/68", 98, 20, 36.3, 34, ST),
        ],
    ),
    Case(
        "TRA-002",
        "Fall from a ladder, not waking up",
        "Trauma",
        56,
        "M",
        "Fell 4 metres onto his head",
        "Severe traumatic brain injury with raised intracranial pressure",
        "On warfarin for a mechanical valve",
        "Recognise Cushing's response; neuroprotection; reversal of anticoagulation",
        [
            v(64, "164/90", 95, 12, 36.4, 36, SR),
            v(52, "182/96", 94, 10, 36.4, 34, SB),
            v(58, "168/92", 98, 14, 36.4, 35, SB),
            v(72, "142/84", 99, 14, 36.5, 35, SR),
        ],
    ),
    Case(
        "TRA-003",
        "House fire with burns",
        "Trauma",
        35,
        "M",
        "Burns to chest and arms, hoarse voice",
        "30% TBSA burns with inhalation injury",
        "Fit and well",
        "Airway assessment; Parkland formula; analgesia",
        [
            v(122, "128/80", 94, 26, 36.6, 34, ST),
            v(130, "118/74", 91, 30, 36.4, 38, ST),
            v(112, "122/76", 97, 16, 36.5, 38, ST),
            v(104, "120/74", 98, 16, 36.8, 37, ST),
        ],
    ),
    Case(
        "TRA-004",
        "Stab wound to the chest",
        "Trauma",
        23,
        "M",
        "Single stab wound left of the sternum",
        "Penetrating cardiac injury with tamponade and arrest",
        "Fit and well",
        "Traumatic cardiac arrest algorithm; resuscitative thoracotomy",
        [
            v(132, "84/66", 94, 28, 36.5, 30, ST),
            v(148, "62/48", 90, 32, 36.3, 24, ST),
            v(90, "0/0", 0, 0, 36.2, 10, "asystole_ecg"),
            v(116, "98/62", 96, 16, 36.0, 35, ST),
        ],
        planted=["inconsistent state: State2 asystole with HR 90"],
    ),
    Case(
        "TRA-005",
        "Abdominal pain after a football tackle",
        "Trauma",
        17,
        "M",
        "Left upper abdominal and shoulder-tip pain",
        "Splenic rupture",
        "Glandular fever 3 weeks ago",
        "FAST scan; permissive hypotension; theatre",
        [
            v(118, "96 / 58 mmHg", 98, 22, 36.8, 34, ST),
            v(134, "82 / 50 mmHg", 97, 26, 36.6, 31, ST),
            v(112, "100/62", 98, 20, 36.7, 34, ST),
            v(96, "114/70", 99, 18, 36.8, 35, SR),
        ],
        planted=["BP written as '96 / 58 mmHg' (Initial, State1)"],
    ),
    Case(
        "TRA-006",
        "Diving accident in shallow water",
        "Trauma",
        29,
        "M",
        "Cannot move arms or legs",
        "Cervical spinal cord injury with neurogenic shock",
        "Fit and well",
        "Spinal immobilisation; neurogenic versus haemorrhagic shock; vasopressors",
        [
            {"HR": 48, "SBP": 78, "DBP": 42, "SpO2": 95, "RR": 18, "Temp": 35.9, "EtCO2": 36, "waveform": SB},
            {"HR": 44, "SBP": 72, "DBP": 38, "SpO2": 94, "RR": 16, "Temp": 35.7, "EtCO2": 38, "waveform": SB},
            v(62, "96/58", 97, 16, 36.0, 36, SR),
            v(68, "104/62", 98, 16, 36.4, 36, SR),
        ],
        planted=["BP as separate SBP/DBP keys (Initial, State1)"],
    ),
    # ------------------------------------------------------------------ paediatric
    Case(
        "PAED-001",
        "Infant not feeding and breathing fast",
        "Paediatric",
        "4 months",
        "M",
        "Cough, runny nose and poor feeding for 2 days",
        "Bronchiolitis (RSV)",
        "Born at 35 weeks",
        "Assess work of breathing; oxygen and feeding support; when to escalate",
        [
            v(168, "86/50", 90, 58, 37.9, 38, ST),
            v(174, "84/48", 88, 60, 38.1, 42, ST),
            v(156, "88/52", 95, 48, 37.8, 38, ST),
            v(142, "90/54", 97, 40, 37.4, 36, ST),
        ],
    ),
    Case(
        "PAED-002",
        "Vomiting, tummy pain and fast breathing",
        "Paediatric",
        12,
        "F",
        "Thirsty and drowsy, deep sighing breaths",
        "Diabetic ketoacidosis (new diagnosis)",
        "Weight loss and bedwetting for a month",
        "Cautious fluids; insulin infusion; cerebral oedema signs",
        [
            v(128, "104/62", 98, 32, 37.0, 18, ST),
            v(120, "108/66", 98, 28, 37.0, 22, ST),
            v(108, "112/68", 99, 22, 36.9, 28, ST),
            v(94, "110/66", 99, 18, 36.9, 34, SR),
        ],
    ),
    Case(
        "PAED-003",
        "Toddler fitting with a fever",
        "Paediatric",
        "2 years",
        "F",
        "Generalised shaking for 3 minutes at home",
        "Simple febrile seizure",
        "Fit and well, immunisations up to date",
        "Seizure management; fever source; parental reassurance",
        [
            v(162, "96/58", 93, 36, 39.4, 40, ST),
            v(148, "94/56", 97, 30, 39.0, 36, ST),
            v(132, "96/60", 98, 26, 38.2, 35, ST),
            v(118, "98/60", 99, 24, 37.6, 35, ST),
        ],
    ),
    Case(
        "PAED-004",
        "Barking cough at night",
        "Paediatric",
        "3 years",
        "M",
        "Stridor and barking cough since midnight",
        "Croup",
        "Cold for 2 days",
        "Westley croup score; dexamethasone; nebulised adrenaline",
        [
            '{"HR": 150, "BP": "95/60", "SpO2": 93, "RR": 40, "Temp": 38.1, '
            '"waveform": "sinus_tachycardia_ecg"',
            v(142, "96/60", 95, 34, 38.0, 36, ST),
            v(126, "98/62", 97, 28, 37.8, 36, ST),
            v(112, "98/62", 98, 24, 37.4, 35, ST),
        ],
        planted=["broken JSON in Initial_Vitals (missing closing brace)"],
    ),
    Case(
        "PAED-005",
        "Swollen face after eating cashews",
        "Paediatric",
        6,
        "F",
        "Facial swelling, hives and noisy breathing",
        "Anaphylaxis",
        "Eczema, egg allergy",
        "Paediatric adrenaline dosing; airway; observation period",
        [
            v(156, "78/44", 91, 34, 37.1, 32, "Sinus Tach"),
            v(138, "88/52", 95, 28, 37.0, 34, "Sinus Tach"),
            v(118, "96/58", 98, 22, 37.0, 35, ST),
            v(104, "100/62", 99, 20, 37.0, 36, ST),
        ],
        planted=["waveform alias 'Sinus Tach' (Initial, State1)"],
    ),
    Case(
        "PAED-006",
        "Floppy infant with a mottled rash",
        "Paediatric",
        "9 months",
        "M",
        "Lethargic, cold hands and feet, mottled skin",
        "Septic shock",
        "Fit and well",
        "Recognise compensated shock; IO access; 10 mL/kg fluid boluses",
        [
            without(v(188, "70/40", 94, 48, 39.3, 30, ST), "BP"),
            v(176, "66/38", 93, 50, 39.5, 29, ST),
            v(160, "76/44", 96, 42, 38.9, 32, ST),
            v(144, "82/48", 97, 36, 38.3, 34, ST),
        ],
        planted=["missing required field: Initial_Vitals has no BP"],
    ),
    # ------------------------------------------------------------------ obstetric
    Case(
        "OBS-001",
        "Heavy bleeding after delivery",
        "Obstetric",
        32,
        "F",
        "Soaked pads 20 minutes after a vaginal birth",
        "Postpartum haemorrhage (uterine atony)",
        "Para 3, prolonged labour, oxytocin augmentation",
        "The 4 Ts; uterotonics; major obstetric haemorrhage protocol",
        [
            v(118, "98/60", 97, 22, 36.8, 32, ST),
            v(138, "76/44", 95, 26, 36.5, 28, ST),
            v(112, "100/62", 98, 20, 36.6, 33, ST),
            v(96, "110/68", 98, 18, 36.8, 35, SR),
        ],
    ),
    Case(
        "OBS-002",
        "Headache and visual disturbance at 36 weeks",
        "Obstetric",
        28,
        "F",
        "Severe headache, flashing lights, then a seizure",
        "Eclampsia",
        "Primigravida, booking BP normal",
        "Magnesium sulphate; antihypertensives; delivery planning",
        [
            v(96, "172/112", 97, 18, 36.9, 35, SR),
            v(128, "186/118", 88, 10, 37.2, 48, ST),
            v(104, "158/102", 96, 16, 37.0, 38, ST),
            v(90, "146/96", 98, 16, 36.9, 36, SR),
        ],
    ),
    Case(
        "OBS-003",
        "Collapse during labour",
        "Obstetric",
        38,
        "F",
        "Sudden breathlessness and collapse in the second stage",
        "Amniotic fluid embolism",
        "Para 2, induction of labour at 41 weeks",
        "Maternal cardiac arrest; left uterine displacement; perimortem caesarean section",
        [
            v(124, "82/40", 84, 30, 37.1, 26, ST),
            arrest("pea_ecg", 37.0),
            v(128, "88/50", 92, 14, 36.9, 32, ST),
            v(112, "98/58", 95, 14, 36.8, 35, ST),
        ],
    ),
    Case(
        "OBS-004",
        "Fever and abdominal pain after a caesarean",
        "Obstetric",
        34,
        "F",
        "Fever, offensive lochia and lower abdominal pain",
        "Maternal sepsis (endometritis)",
        "Emergency caesarean section 4 days ago",
        "Maternal early warning score; sepsis six in pregnancy",
        [
            v(124, "94/56", 96, 24, 102.9, 31, ST),
            v(130, "86/50", 95, 26, 103.5, 29, ST),
            v(112, "100/60", 97, 22, 100.8, 33, ST),
            v(98, "110/66", 98, 18, 37.6, 35, SR),
        ],
        planted=["Temp in °F (Initial 102.9, State1 103.5, State2 100.8)"],
    ),
    Case(
        "OBS-005",
        "Painful bleeding at 34 weeks",
        "Obstetric",
        30,
        "F",
        "Constant abdominal pain with dark vaginal bleeding",
        "Placental abruption",
        "Smoker, pre-eclampsia in a previous pregnancy",
        "Concealed haemorrhage; fetal monitoring; DIC",
        [
            v(112, "106/68", 98, 22, 36.9, 33, "maternal_tachy_trace"),
            v(132, "84/50", 97, 26, 36.7, 30, ST),
            v(108, "102/64", 98, 20, 36.8, 34, "ctg_decelerations"),
            v(94, "112/70", 99, 18, 36.8, 35, SR),
        ],
        planted=["unknown waveforms 'maternal_tachy_trace' (Initial) and 'ctg_decelerations' (State2)"],
    ),
    Case(
        "OBS-006",
        "Drowsy on a magnesium infusion",
        "Obstetric",
        26,
        "F",
        "Increasingly sleepy, slurred speech",
        "Magnesium toxicity",
        "Severe pre-eclampsia on magnesium sulphate, reduced urine output",
        "Recognise magnesium toxicity; stop infusion; calcium gluconate",
        [
            v("58 bpm", "132/84", "n/a", "8 /min", 36.8, "52 mmHg", SB),
            v(54, "128/80", 91, 6, 36.8, 58, SB),
            v(72, "136/86", "", 14, 36.8, 42, SR),
            v(80, "138/88", 98, 16, 36.8, 38, SR),
        ],
        planted=[
            "numbers with units ('58 bpm', '8 /min', '52 mmHg') and placeholders "
            "(Initial SpO2 'n/a', State2 SpO2 '')"
        ],
    ),
    # ------------------------------------------------------------------ neurological
    Case(
        "NEU-001",
        "Sudden weakness of the right arm and face",
        "Neurological",
        74,
        "M",
        "Right-sided weakness and word-finding difficulty for 50 minutes",
        "Acute ischaemic stroke (left MCA)",
        "Atrial fibrillation, not anticoagulated",
        "FAST; thrombolysis and thrombectomy criteria; BP targets",
        [
            v(88, "186/102", 96, 16, 36.8, 36, "atrial_fibrillation_ecg"),
            v(92, "178/98", 96, 16, 36.8, 36, "atrial_fibrillation_ecg"),
            v(86, "168/94", 97, 16, 36.8, 36, "atrial_fibrillation_ecg"),
            v(82, "160/90", 97, 16, 36.8, 36, "atrial_fibrillation_ecg"),
        ],
    ),
    Case(
        "NEU-002",
        "Seizure that will not stop",
        "Neurological",
        38,
        "M",
        "Continuous tonic-clonic seizure for 12 minutes",
        "Convulsive status epilepticus",
        "Epilepsy, ran out of levetiracetam",
        "Status epilepticus algorithm; benzodiazepines; second-line agents",
        [
            v(138, "168/96", 88, 28, 37.9, 44, ST),
            v(128, "156/90", 91, 22, 38.0, 42, ST),
            v(104, "138/82", 97, 12, 37.8, 40, ST),
            v(92, "128/78", 98, 14, 37.5, 37, SR),
        ],
    ),
    Case(
        "NEU-003",
        "Worst headache of her life",
        "Neurological",
        49,
        "F",
        "Thunderclap headache while lifting shopping",
        "Subarachnoid haemorrhage",
        "Hypertension, smoker",
        "Recognise SAH; CT and lumbar puncture; nimodipine; BP control",
        [
            v(64, "174/98", 97, 16, 37.2, 36, SR),
            v(58, "186/104", 96, 14, 37.3, 37, SB),
            v(68, "148/88", 98, 16, 37.1, 36, SR),
            v(72, "138/84", 98, 16, 37.0, 36, SR),
        ],
    ),
    Case(
        "NEU-004",
        "Confused and sweaty diabetic",
        "Neurological",
        67,
        "M",
        "Slurred speech and left-sided weakness found by his wife",
        "Hypoglycaemia mimicking stroke",
        "Type 2 diabetes on gliclazide",
        "Check glucose in every neurological emergency",
        [v(104, "146/88", 97, 18, 36.4, 36, ST), None, None, None],
        planted=["empty State1-3 cells (to be generated)"],
    ),
    Case(
        "NEU-005",
        "Tingling legs and now breathless",
        "Neurological",
        41,
        "F",
        "Ascending weakness over 5 days, now short of breath",
        "Guillain-Barré syndrome with respiratory failure",
        "Diarrhoeal illness 3 weeks ago",
        "Serial vital capacity; early intubation; autonomic instability",
        [
            v(112, "148/92", 93, 75, 37.2, 46, ST),
            v(124, "162/96", 90, 30, 52, 52, ST),
            v(96, "128/78", 98, 14, 37.1, 38, SR),
            v(88, "124/76", 98, 14, 37.0, 37, SR),
        ],
        planted=["out-of-range values: Initial RR 75, State1 Temp 52"],
    ),
    Case(
        "NEU-006",
        "Double vision and difficulty swallowing",
        "Neurological",
        58,
        "F",
        "Drooping eyelids, weak voice, choking on fluids",
        "Myasthenic crisis",
        "Myasthenia gravis, recent chest infection",
        "Bulbar and respiratory weakness; avoid precipitating drugs",
        [
            v(118, "138/84", 93, 26, 37.8, 44, "afib"),
            v(126, "142/86", 90, 30, 37.9, 50, "afib"),
            v(102, "128/80", 97, 14, 37.6, 40, "atrial_fibrillation_ecg"),
            v(94, "124/78", 98, 14, 37.3, 38, "atrial_fibrillation_ecg"),
        ],
        planted=["waveform alias 'afib' (Initial, State1)"],
    ),
    # ------------------------------------------------------------------ toxicology
    Case(
        "TOX-001",
        "Unresponsive in a public toilet",
        "Toxicology",
        33,
        "M",
        "Found unresponsive with pinpoint pupils",
        "Opioid overdose",
        "Known heroin use",
        "Naloxone titration; re-narcotisation; harm reduction",
        [
            v(52, "104/62", 82, 4, 36.2, 62, SB),
            v(96, "134/82", 97, 18, 36.4, 38, SR),
            v(58, "108/64", 88, 6, 36.3, 56, SB),
            v(76, "118/72", 97, 14, 36.5, 40, SR),
        ],
    ),
    Case(
        "TOX-002",
        "Drowsy after taking her antidepressants",
        "Toxicology",
        36,
        "F",
        "Took a month's supply of amitriptyline 2 hours ago",
        "Tricyclic antidepressant overdose",
        "Depression",
        "QRS widening; sodium bicarbonate; seizure management",
        [
            v(128, "92/56", 95, 18, 37.4, 36, ST),
            v(162, "78/40", 93, 12, 37.6, 42, "ventricular_tachycardia_ecg"),
            v(112, "100/62", 97, 14, 37.3, 36, ST),
            v(98, "112/68", 98, 14, 37.1, 36, SR),
        ],
    ),
    Case(
        "TOX-003",
        "Farmer with drooling and vomiting",
        "Toxicology",
        57,
        "M",
        "Sweating, vomiting and diarrhoea after spraying crops",
        "Organophosphate poisoning",
        "Fit and well",
        "Cholinergic toxidrome; decontamination; atropine titration; pralidoxime",
        [
            v(44, "92/56", 86, 28, 36.6, 40, SB),
            v(40, "86/50", 84, 30, 36.6, 44, SB),
            v(96, "112/68", 94, 20, 36.9, 38, SR),
            v(104, "118/72", 96, 18, 37.2, 36, ST),
        ],
    ),
    Case(
        "TOX-004",
        "Slow pulse after an overdose",
        "Toxicology",
        44,
        "M",
        "Took a bottle of propranolol tablets",
        "Beta-blocker overdose",
        "Anxiety, migraine",
        "High-dose insulin euglycaemic therapy; glucagon; pacing",
        [
            v(42, "78/44", 95, 16, 36.4, 35, SB),
            v(88, "0/0", 0, 0, 36.3, 10, "asystole_ecg"),
            v(58, "92/54", 96, 16, 36.4, 35, SB),
            v(68, "104/62", 97, 16, 36.6, 36, SR),
        ],
        planted=["inconsistent state: State1 asystole with HR 88"],
    ),
    Case(
        "TOX-005",
        "Chest pain after a night out",
        "Toxicology",
        26,
        "M",
        "Chest pain, agitation and sweating after using cocaine",
        "Cocaine toxicity with VF arrest",
        "Recreational drug use",
        "Benzodiazepines first; avoid beta-blockers; VF management",
        [
            v(138, "182/104", 96, 24, 38.4, 32, "cocaine_chest_pain_ecg"),
            v(162, "196/110", 95, 26, 38.9, 30, ST),
            arrest("V-fib", 38.9),
            v(112, "128/78", 96, 14, 38.2, 38, ST),
        ],
        planted=["unknown waveform 'cocaine_chest_pain_ecg' (Initial) and alias 'V-fib' (State2)"],
    ),
    Case(
        "TOX-006",
        "Ringing ears and vomiting",
        "Toxicology",
        22,
        "F",
        "Took 60 aspirin tablets 6 hours ago",
        "Salicylate overdose",
        "Previous self-harm",
        "Mixed acid-base disturbance; urinary alkalinisation; haemodialysis criteria",
        [
            v(118, "124/76", 98, 30, 37.9, 22, ST),
            "{HR: 126, BP: 118/72, SpO2: 97, RR: 34, Temp: 38.2, EtCO2: 20, waveform: sinus_tachycardia_ecg}",
            v(108, "120/74", 98, 24, 37.6, 28, ST),
            v(96, "118/72", 98, 18, 37.2, 34, SR),
        ],
        planted=["broken JSON in State1_Vitals (unquoted keys and values)"],
    ),
]


# ====================================================================== building the workbook

TAB = "Master Scenario Convert"
BANNER = "SimBatch demo — simulation scenario library"
HEADERS = (
    "Case_ID",
    "Case_Title",
    "Category",
    "Patient_Age",
    "Patient_Sex",
    "Chief_Complaint",
    "Diagnosis",
    "History",
    "Learning_Objectives",
    "Initial_Vitals",
    "State1_Vitals",
    "State2_Vitals",
    "State3_Vitals",
    "Notes",
)
WIDTHS = (11, 42, 14, 12, 8, 44, 40, 40, 52, 60, 60, 60, 60, 34)
FIRST_DATA_ROW = 3
FIXED_TIME = datetime.datetime(2024, 1, 1, 0, 0, 0)
INSTRUCTIONS = (
    "How to use this workbook",
    "Each row of 'Master Scenario Convert' is one simulation case; row 1 is a banner, row 2 the headers.",
    "Vitals cells hold one JSON object: HR, BP, SpO2, RR, Temp (°C), EtCO2 and the monitor waveform.",
    "Some rows carry deliberate problems for SimBatch to find and fix; see PLANTED.md next to this file.",
    "Empty State cells are left for SimBatch to generate.",
)


def cell_text(cell: Cell) -> str | None:
    """How a vitals cell is written: JSON for objects, raw text as given, nothing when empty."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell
    return json.dumps(cell, ensure_ascii=False)


def build_workbook() -> Workbook:
    """The demo workbook: the scenario tab and an Instructions tab with a formula."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TAB
    ws.cell(row=1, column=1, value=BANNER).font = Font(bold=True, size=14, color="FFFFFF")
    ws.cell(row=1, column=1).fill = PatternFill("solid", fgColor="1F4E79")
    ws.cell(row=1, column=1).alignment = Alignment(vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.row_dimensions[1].height = 24
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for column, (name, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=2, column=column, value=name)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        ws.column_dimensions[get_column_letter(column)].width = width
    for row, case in enumerate(CASES, start=FIRST_DATA_ROW):
        values = [
            case.case_id,
            case.title,
            case.category,
            case.age,
            case.sex,
            case.complaint,
            case.diagnosis,
            case.history,
            case.objectives,
            *(cell_text(c) for c in case.states),
            case.notes or None,
        ]
        for column, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=row, column=column, value=value).alignment = Alignment(vertical="top")
    ws.freeze_panes = "B3"
    last_row = FIRST_DATA_ROW + len(CASES) - 1

    info = wb.create_sheet("Instructions")
    info.column_dimensions["A"].width = 100
    info.column_dimensions["B"].width = 12
    info["A1"].font = Font(bold=True, size=13)
    for row, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=row, column=1, value=line)
    count_row = len(INSTRUCTIONS) + 2
    info.cell(row=count_row, column=1, value="Number of cases in the library:").font = Font(bold=True)
    info.cell(row=count_row, column=2, value=f"=COUNTA('{TAB}'!A{FIRST_DATA_ROW}:A{last_row})")
    info.cell(row=count_row + 1, column=1, value="Cases with an empty State3_Vitals cell:").font = Font(
        bold=True
    )
    info.cell(row=count_row + 1, column=2, value=f"=COUNTBLANK('{TAB}'!M{FIRST_DATA_ROW}:M{last_row})")
    wb.defined_names["CaseIDs"] = DefinedName(
        "CaseIDs", attr_text=f"'{TAB}'!$A${FIRST_DATA_ROW}:$A${last_row}"
    )
    wb.properties.creator = "SimBatch"
    wb.properties.created = FIXED_TIME
    return wb


def save_deterministic(wb: Workbook, out: Path) -> None:
    """Save with fixed timestamps so that the same input always gives the same bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)


def planted_markdown() -> str:
    """PLANTED.md: which sheet rows carry which planted problem."""
    lines = [
        "# Planted problems in the demo workbook",
        "",
        f"Tab `{TAB}`: banner in row 1, headers in row 2, cases from row {FIRST_DATA_ROW}.",
        "Row numbers are the sheet's own. Rows not listed are complete and clean.",
        "Generated by `scripts/make_demo_workbook.py`.",
        "",
        "| row | case | problem |",
        "|---|---|---|",
    ]
    clean = []
    for row, case in enumerate(CASES, start=FIRST_DATA_ROW):
        if case.planted:
            lines.extend(f"| {row} | {case.case_id} | {problem} |" for problem in case.planted)
        else:
            clean.append(str(row))
    lines += ["", f"Clean rows ({len(clean)} of {len(CASES)}): {', '.join(clean)}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the workbook to the path given (default: the shipped demo) and PLANTED.md beside it."""
    args = sys.argv[1:] if argv is None else argv
    out = (
        Path(args[0])
        if args
        else Path(__file__).resolve().parent.parent / "resources" / "demo" / "scenarios.xlsx"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    save_deterministic(build_workbook(), out)
    (out.parent / "PLANTED.md").write_text(planted_markdown(), encoding="utf-8")
    print(f"Wrote {len(CASES)} cases to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
