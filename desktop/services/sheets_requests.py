"""Fitting Google Sheets requests in the service's limits: request bodies under 2 MB (a range too big
for one is cut into runs of rows) and query strings of a few thousand characters."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from desktop.domain.models import CellValue
from desktop.errors import InputError

#: Google refuses request bodies over 2 MB; stay a little below.
MAX_BODY_BYTES = 2_000_000 - 16_384
#: Keep the query string of a batchGet well under what front ends accept.
MAX_QUERY_CHARS = 8_000

_ANCHOR_RE = re.compile(r"^\$?([A-Za-z]+)\$?(\d+)")


def split_for_body(entries: list[dict[str, Any]], max_body_bytes: int) -> list[list[dict[str, Any]]]:
    """Group value-range entries so that each request body stays under ``max_body_bytes``."""
    limit = max_body_bytes - 200  # room for the envelope
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        for piece, piece_size in _fit(entry, limit):
            piece_size += 1  # the comma between entries
            if current and size + piece_size > limit:
                chunks.append(current)
                current, size = [], 0
            current.append(piece)
            size += piece_size
    if current:
        chunks.append(current)
    return chunks

def _fit(entry: dict[str, Any], limit: int) -> list[tuple[dict[str, Any], int]]:
    """An entry too big for one body, cut into runs of rows anchored at their own first row;
    each piece with its JSON size."""
    size = json_size(entry)
    if size <= limit:
        return [(entry, size)]
    rows: list[list[CellValue]] = entry["values"]
    tab, _, cells = str(entry["range"]).rpartition("!")
    match = _ANCHOR_RE.match(cells)
    if len(rows) < 2 or not tab or not match:
        raise InputError("One row of values is too large for a single Google Sheets request (2 MB).")
    column, first_row = match.group(1).upper(), int(match.group(2))
    half = len(rows) // 2
    head = {"range": f"{tab}!{column}{first_row}", "values": rows[:half]}
    tail = {"range": f"{tab}!{column}{first_row + half}", "values": rows[half:]}
    return _fit(head, limit) + _fit(tail, limit)


def json_size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def chunks_by_length(ranges: list[str], limit: int) -> list[list[str]]:
    """Split ranges so that each request's query string stays under ``limit`` characters."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for rng in ranges:
        length = len(quote(rng, safe="")) + len("&ranges=")
        if current and size + length > limit:
            chunks.append(current)
            current, size = [], 0
        current.append(rng)
        size += length
    if current or not chunks:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk]
