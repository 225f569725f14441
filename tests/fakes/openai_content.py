"""What the fake OpenAI server says: vitals that satisfy the request's JSON schema, the deliberately
broken variants used by fault injection, token estimates, prompt-cache accounting and the chat
completion body itself."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from typing import Any

#: Token accounting: about four characters per token, prompt cache in 128-token blocks from 1024 up.
CHARS_PER_TOKEN = 4
CACHE_BLOCK_TOKENS = 128
CACHE_MIN_TOKENS = 1024

#: Plausible vitals per severity level (0 = initial state, higher = later, sicker states).
_LEVELS: tuple[dict[str, Any], ...] = (
    {"HR": 88, "BP": "120/80", "SpO2": 97, "RR": 16, "Temp": 37.0, "EtCO2": 36},
    {"HR": 112, "BP": "108/70", "SpO2": 92, "RR": 22, "Temp": 37.6, "EtCO2": 33},
    {"HR": 130, "BP": "96/62", "SpO2": 89, "RR": 26, "Temp": 38.2, "EtCO2": 30},
    {"HR": 138, "BP": "90/58", "SpO2": 89, "RR": 28, "Temp": 38.6, "EtCO2": 28},
)

_ROW_RE = re.compile(r"^\s*Sheet row:\s*(\d+)\s*$", re.MULTILINE | re.IGNORECASE)
#: A partly generated column in the request: ``- <column>: generate <fields> only; fixed facts … {json}``.
_FIXED_RE = re.compile(r"^- (\S+): generate .+? only; fixed facts for this state: (\{.*\})\s*$", re.MULTILINE)
#: A rhythm line of the system prompt: ``- `name` — label. Perfusing; HR lo–hi.`` or ``… No pulse …``.
_RHYTHM_RE = re.compile(r"^- `([a-z0-9_]+_ecg)` — .*?(?:Perfusing; HR (\d+)–(\d+)|(No pulse))", re.MULTILINE)
#: The arrest numbers a model writes for a pulseless rhythm.
_ARREST: dict[str, Any] = {"HR": 0, "BP": "0/0", "SpO2": 0, "RR": 0, "EtCO2": 10}
_CASE_RE = re.compile(r"^\s*Case ID:\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)
_STATE_RE = re.compile(r"^State(\d+)_Vitals$", re.IGNORECASE)

REFUSAL_TEXT = "I'm sorry, but I can't help with that request."
MALFORMED_TEXT = "Sure! Here are the vitals: {HR: 88, BP: 120/80, SpO2: 97%} (approximately)"


def new_id(prefix: str) -> str:
    """An id shaped like the real API's (``chatcmpl-…``, ``file-…``, ``batch_…``)."""
    return f"{prefix}{secrets.token_hex(12)}"


def message_text(messages: list[Any]) -> str:
    """All message text of a chat request, concatenated in order (text parts of list contents too)."""
    parts: list[str] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    parts.append(part["text"])
    return "".join(parts)


def estimate_tokens(text: str) -> int:
    """The fake's tokenizer: one token per four characters, at least one for non-empty text."""
    return max(1, len(text) // CHARS_PER_TOKEN) if text else 0


def requested_tokens(body: dict[str, Any]) -> int:
    """Tokens a request counts against the token limit: prompt estimate plus its output cap."""
    prompt = estimate_tokens(message_text(body.get("messages") or []))
    cap = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    return prompt + (cap if isinstance(cap, int) else 0)


def row_and_case(messages: list[Any]) -> tuple[int | None, str | None]:
    """Sheet row and case id from the ``Sheet row: <n>`` / ``Case ID: <id>`` lines of the latest user
    message that has them (a follow-up question after a rejected reply has none)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = message_text([message])
            row_match = _ROW_RE.search(text)
            if row_match is None:
                continue
            case_match = _CASE_RE.search(text)
            return int(row_match.group(1)), case_match.group(1) if case_match else None
    return None, None


def fixed_facts(messages: list[Any]) -> dict[str, dict[str, Any]]:
    """Per partly generated column, the author's fixed facts the request states (read like a model)."""
    facts: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "user":
            for match in _FIXED_RE.finditer(message_text([message])):
                try:
                    value = json.loads(match.group(2))
                except ValueError:
                    continue
                if isinstance(value, dict):
                    facts.setdefault(match.group(1), value)
    return facts


def rhythm_table(messages: list[Any]) -> dict[str, tuple[int, int] | None]:
    """Rhythm name → its heart-rate range (None: pulseless), read from the system prompt's list."""
    table: dict[str, tuple[int, int] | None] = {}
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "system":
            for match in _RHYTHM_RE.finditer(message_text([message])):
                lo, hi = match.group(2), match.group(3)
                table[match.group(1)] = (int(lo), int(hi)) if lo and hi else None
    return table


class PrefixCache:
    """Remembers every 128-token prefix of the prompts seen, to report ``cached_tokens`` the way the
    provider's prompt cache does (longest previously seen prefix, rounded down to 128, from 1024)."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()
        self._lock = threading.Lock()

    def lookup_and_add(self, text: str) -> int:
        """Cached tokens for ``text`` given earlier prompts; then remember ``text``'s prefixes."""
        block_chars = CACHE_BLOCK_TOKENS * CHARS_PER_TOKEN
        digest = hashlib.sha256()
        hashes: list[bytes] = []
        for end in range(block_chars, len(text) + 1, block_chars):
            digest.update(text[end - block_chars : end].encode())
            hashes.append(digest.copy().digest())
        with self._lock:
            matched = 0
            for blocks, prefix_hash in enumerate(hashes, start=1):
                if prefix_hash not in self._seen:
                    break
                matched = blocks
            self._seen.update(hashes)
        cached = matched * CACHE_BLOCK_TOKENS
        return cached if cached >= CACHE_MIN_TOKENS else 0


# --- vitals from a JSON schema -------------------------------------------------------------------


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and pick the non-null branch of ``anyOf``/``oneOf`` (strict-mode optionals)."""
    for _ in range(20):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            node: Any = root
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            schema = node
            continue
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list):
            options = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            schema = options[0] if options else {}
            continue
        return schema
    return {}


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def _level(column: str) -> int:
    """Severity level of a vitals column: Initial → 0, State<N> → N (capped)."""
    match = _STATE_RE.match(column)
    level = int(match.group(1)) if match else 0
    return min(level, len(_LEVELS) - 1)


def _choose_waveform(want: str, enum: list[Any] | None) -> str:
    if not enum:
        return want
    names = [str(v) for v in enum]
    if want in names:
        return want
    return next((n for n in names if "sinus" in n.lower()), names[0])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _vitals(
    level: int,
    row: int | None,
    schema: dict[str, Any],
    root: dict[str, Any],
    fixed: dict[str, Any] | None = None,
    rhythms: dict[str, tuple[int, int] | None] | None = None,
) -> dict[str, Any]:
    """One vitals object for ``level``, typed per ``schema``'s properties (all canonical keys if the
    schema names none). HR is kept consistent with the chosen waveform, and both with the request's
    fixed facts for the state (a fixed rhythm sets the heart rate, a fixed heart rate the rhythm)."""
    fixed = fixed or {}
    rhythms = rhythms or {}
    base = dict(_LEVELS[level])
    jitter = ((row or 0) * 7) % 9 - 4  # -4..4, stable per row
    hr = base["HR"] + jitter
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else None
    keys = list(props) if props else [*base, "waveform"]
    wave_schema = _resolve(props.get("waveform"), root) if props and "waveform" in props else {}
    enum = wave_schema.get("enum") if isinstance(wave_schema.get("enum"), list) else None
    fixed_wave = fixed.get("waveform")
    fixed_hr = _number(fixed.get("HR"))
    if isinstance(fixed_wave, str) and fixed_wave in rhythms:
        waveform = fixed_wave
        band = rhythms[fixed_wave]
        if band is None:
            base.update(_ARREST)
            hr = 0
        else:
            hr = min(max(hr, band[0]), band[1])
    else:
        if fixed_hr is not None:
            hr = int(fixed_hr)
        want = "sinus_tachycardia_ecg" if hr > 100 else "sinus_bradycardia_ecg" if hr < 60 else "sinus_ecg"
        if hr == 0:
            want = "asystole_ecg"
        waveform = _choose_waveform(want, enum)
        if fixed_hr is None:
            if "tach" in waveform.lower():
                hr = max(hr, 104)
            elif "brady" in waveform.lower():
                hr = 50
            elif "sinus" in waveform.lower():
                hr = min(max(hr, 64), 96)
        if hr == 0:
            base.update(_ARREST)
    base.update(HR=hr, waveform=waveform)
    result: dict[str, Any] = {}
    for key in keys:
        value = base.get(key)
        field_schema = _resolve(props.get(key), root) if props else {}
        kinds = _types(field_schema)
        if value is None:
            value = "" if "string" in kinds else 0
        elif "integer" in kinds and isinstance(value, float):
            value = round(value)
        elif kinds == {"string"} and not isinstance(value, str):
            value = str(value)
        result[key] = value
    return result


def vitals_columns(body: dict[str, Any]) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """The vitals columns a request asks for (the schema's ``required`` list), the top-level schema and
    the schema root used for ``$ref`` resolution. Without a JSON schema: just ``Initial_Vitals``."""
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        root = (fmt.get("json_schema") or {}).get("schema") or {}
        if isinstance(root, dict):
            top = _resolve(root, root)
            required = top.get("required")
            if isinstance(required, list) and required:
                return [str(k) for k in required], top, root
    return ["Initial_Vitals"], {}, {}


def generate_vitals(body: dict[str, Any], row: int | None) -> dict[str, Any]:
    """A schema-valid answer for ``body``: one plausible vitals object per requested column, with only
    the fields the schema asks for, agreeing with the fixed facts the request states."""
    columns, top, root = vitals_columns(body)
    found = top.get("properties")
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    messages = body.get("messages") or []
    facts = fixed_facts(messages)
    rhythms = rhythm_table(messages)
    return {
        col: _vitals(_level(col), row, _resolve(props.get(col), root), root, facts.get(col), rhythms)
        for col in columns
    }


def _imperfect(vitals: dict[str, Any], row: int | None, facts: dict[str, dict[str, Any]]) -> None:
    """Make a plausible reply imperfect the way real models are: values that ``validate`` warns about
    (mild sinus tachycardia under the normal-sinus name, an atypical number), never impossible ones."""
    if not vitals:
        return
    column, obj = next(iter(vitals.items()))
    fixed = facts.get(column, {})
    bump = ((row or 0) * 3) % 10  # 0..9, stable per row
    if isinstance(obj.get("SpO2"), int) and obj["SpO2"] > 0:
        obj["SpO2"] = 92 + bump % 2  # harmless: inside the typical range
    if "Temp" in obj:
        obj["Temp"] = 38.1  # harmless
    arrest = obj.get("HR") == 0 or fixed.get("HR") == 0
    fixed_hr = _number(fixed.get("HR"))
    if "HR" in obj and "waveform" in obj:
        obj.update(HR=101 + bump, waveform="sinus_ecg")
    elif "waveform" in obj and fixed_hr is not None and fixed_hr > 0:
        obj["waveform"] = "sinus_tachycardia_ecg" if 60 <= fixed_hr <= 100 else "sinus_ecg"
    elif "HR" in obj and fixed.get("waveform") == "sinus_ecg":
        obj["HR"] = 101 + bump
    elif "Temp" in obj:
        obj["Temp"] = 39.4
    elif "SpO2" in obj and not arrest:
        obj["SpO2"] = 86
    elif "RR" in obj and not arrest:
        obj["RR"] = 32
    elif "EtCO2" in obj and not arrest:
        obj["EtCO2"] = 52


def _broken(vitals: dict[str, Any]) -> None:
    """Make a reply unusable: a value outside the possible range, or a required field left out."""
    if not vitals:
        return
    obj = next(iter(vitals.values()))
    if "SpO2" in obj:
        obj["SpO2"] = 140
    elif "HR" in obj:
        del obj["HR"]
    elif "Temp" in obj:
        obj["Temp"] = 55.0
    elif "RR" in obj:
        obj["RR"] = 80
    elif "BP" in obj:
        obj["BP"] = "60/90"
    elif "EtCO2" in obj:
        obj["EtCO2"] = 150
    elif "waveform" in obj:
        obj["waveform"] = "maternal_tachy_trace"


def answer_content(
    body: dict[str, Any], row: int | None, fault: str | None
) -> tuple[str | None, str | None, str]:
    """``(content, refusal, finish_reason)`` for a chat request, broken as ``fault`` says:
    ``malformed`` (not JSON), ``truncated`` (cut mid-JSON, ``length``), ``refusal`` (content null),
    ``invalid_vitals`` (valid JSON, HR 500), ``warning_vitals`` (usable, but with values ``validate``
    warns about) or ``critical_vitals`` (SpO2 140 or HR left out …); ``None`` for a good answer."""
    if fault == "refusal":
        return None, REFUSAL_TEXT, "stop"
    if fault == "malformed":
        return MALFORMED_TEXT, None, "stop"
    vitals = generate_vitals(body, row)
    if fault == "invalid_vitals":
        for state in vitals.values():
            state["HR"] = 500
    elif fault == "warning_vitals":
        _imperfect(vitals, row, fixed_facts(body.get("messages") or []))
    elif fault == "critical_vitals":
        _broken(vitals)
    content = json.dumps(vitals)
    if fault == "truncated":
        return content[: max(1, len(content) // 2)], None, "length"
    return content, None, "stop"


def chat_completion(
    body: dict[str, Any], row: int | None, fault: str | None, cached_tokens: int
) -> dict[str, Any]:
    """A complete ``chat.completion`` object, shaped exactly like the real API's."""
    content, refusal, finish_reason = answer_content(body, row, fault)
    prompt_tokens = estimate_tokens(message_text(body.get("messages") or []))
    completion_tokens = estimate_tokens(content or refusal or "")
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model", "gpt-4o-mini")),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_fake0001",
    }
