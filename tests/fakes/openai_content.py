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
    """Sheet row and case id from the ``Sheet row: <n>`` / ``Case ID: <id>`` lines of the last user
    message."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = message_text([message])
            row_match = _ROW_RE.search(text)
            case_match = _CASE_RE.search(text)
            return (
                int(row_match.group(1)) if row_match else None,
                case_match.group(1) if case_match else None,
            )
    return None, None


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


def _vitals(level: int, row: int | None, schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """One vitals object for ``level``, typed per ``schema``'s properties (all canonical keys if the
    schema names none). HR is kept consistent with the chosen waveform."""
    base = dict(_LEVELS[level])
    jitter = ((row or 0) * 7) % 9 - 4  # -4..4, stable per row
    hr = base["HR"] + jitter
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else None
    keys = list(props) if props else [*base, "waveform"]
    wave_schema = _resolve(props.get("waveform"), root) if props and "waveform" in props else {}
    enum = wave_schema.get("enum") if isinstance(wave_schema.get("enum"), list) else None
    waveform = _choose_waveform("sinus_tachycardia_ecg" if hr > 100 else "sinus_ecg", enum)
    if "tach" in waveform.lower():
        hr = max(hr, 104)
    elif "brady" in waveform.lower():
        hr = 50
    elif "sinus" in waveform.lower():
        hr = min(max(hr, 64), 96)
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
    """A schema-valid answer for ``body``: one plausible vitals object per requested column."""
    columns, top, root = vitals_columns(body)
    found = top.get("properties")
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    return {col: _vitals(_level(col), row, _resolve(props.get(col), root), root) for col in columns}


def answer_content(
    body: dict[str, Any], row: int | None, fault: str | None
) -> tuple[str | None, str | None, str]:
    """``(content, refusal, finish_reason)`` for a chat request, broken as ``fault`` says:
    ``malformed`` (not JSON), ``truncated`` (cut mid-JSON, ``length``), ``refusal`` (content null)
    or ``invalid_vitals`` (valid JSON, HR 500); ``None`` for a good answer."""
    if fault == "refusal":
        return None, REFUSAL_TEXT, "stop"
    if fault == "malformed":
        return MALFORMED_TEXT, None, "stop"
    vitals = generate_vitals(body, row)
    if fault == "invalid_vitals":
        for state in vitals.values():
            state["HR"] = 500
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
