"""The report's sentences and figures as text, shared by the HTML, the PDF and ``simbatch report``."""

from __future__ import annotations

from pathlib import PurePath

from desktop.app.text import format_count, format_duration
from desktop.journal import RunKind
from desktop.report.data import CONFLICT, FAILED, FLAGGED, RowEntry, Summary

REASONS = {FAILED: "Failed", CONFLICT: "Conflict", FLAGGED: "Flagged for review"}
KIND_NAMES = {RunKind.LIVE: "live", RunKind.BATCH: "Batch API", RunKind.AUTOFIX: "auto-fix",
              RunKind.DEFAULTS: "defaults", RunKind.REVERT: "revert"}  # fmt: skip


def usd(value: float) -> str:
    """Dollars with enough digits for small runs: ``$0.0042``, ``$1.27``, ``$1,204``."""
    if value >= 1000:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.4f}"


def tokens(n: int) -> str:
    """``1234567`` → ``1.23 M``; small counts as they are."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f} M"
    if n >= 10_000:
        return f"{n / 1000:.0f} k"
    return f"{n:,}"


def duration(seconds: float | None) -> str:
    """A run's length (``1m15s``), or "not recorded"."""
    return "not recorded" if seconds is None else format_duration(seconds)


def source_name(source: str) -> str:
    """A workbook's file name, or the Sheet locator as given."""
    if source.startswith(("gsheet:", "http://", "https://")):
        return source
    return PurePath(source).name or source


def headline(s: Summary) -> str:
    """One or two sentences answering: what did the run do, what must I check, what did it cost."""
    kind = KIND_NAMES[s.kind]
    done = f"This {kind} run over {format_count(s.rows, 'row')} of {source_name(s.source)}"
    if s.kind.enriches:
        done += f" completed {s.completed:,} and changed {format_count(s.changed_rows, 'row')}"
        if s.fields_generated:
            done += f" ({format_count(s.fields_generated, 'field')} generated)"
    else:
        done += f" changed {format_count(s.changed_rows, 'row')}"
    parts = [done + "."]
    reasons = [
        (s.flagged, "flagged for review"),
        (s.failed, "failed"),
        (s.conflicts, "left alone because someone changed them (conflict)"),
    ]
    listed = [f"{n:,} {text}" for n, text in reasons if n]
    if listed:
        verb = "needs" if s.needs_look == 1 else "need"
        parts.append(f"{format_count(s.needs_look, 'row')} {verb} a look: {', '.join(listed)}.")
    else:
        parts.append("No row needs a second look.")
    if s.unfinished:
        parts.append(f"{format_count(s.unfinished, 'row')} not finished yet.")
    if s.kind.enriches:
        cost = f"It cost {usd(s.cost_usd)}"
        if s.other_mode_usd is not None:
            other = "a live run" if s.is_batch else "the Batch API"
            cost += f"; {other} would have cost about {usd(s.other_mode_usd)}"
        parts.append(cost + ".")
    return " ".join(parts)


def what_to_check(entry: RowEntry) -> str:
    """Why a row is listed first, in a sentence or two."""
    bits: list[str] = []
    if FAILED in entry.attention:
        bits.append(entry.error or "Failed without a recorded reason.")
    if CONFLICT in entry.attention:
        columns = ", ".join(entry.conflict_columns)
        bits.append(f"Someone changed {columns} since it was read, so it was not overwritten.")
    if FLAGGED in entry.attention:
        bits.extend(w.text for w in entry.warnings)
    return " ".join(bits)


def value(v: object) -> str:
    """A vitals value as shown in the tables (``—`` when absent)."""
    if v is None or v == "":
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def summary_lines(s: Summary) -> list[str]:
    """The summary as ``label: value`` lines (the command line's text report)."""
    other = ""
    if s.other_mode_usd is not None:
        other = (
            f" (a live run: about {usd(s.other_mode_usd)})"
            if s.is_batch
            else (f" (Batch API: about {usd(s.other_mode_usd)})")
        )
    return [
        f"Run:        {s.run_id} ({KIND_NAMES.get(s.kind, s.kind)}, {s.status.lower()})",
        f"Source:     {s.source} · {s.scenario_tab}",
        f"Rows:       {s.rows:,}: {s.completed:,} completed, {s.flagged:,} flagged, {s.failed:,} failed, "
        f"{s.conflicts:,} conflicts",
        f"Cost:       {usd(s.cost_usd)}{other}",
        f"Tokens:     {tokens(s.input_tokens)} in ({s.cached_share:.0%} cached), "
        f"{tokens(s.output_tokens)} out",
        f"Duration:   {duration(s.duration_sec)}",
        f"Model:      {s.model or '—'} at {s.endpoint_host or 'an endpoint not recorded'}",
    ]
