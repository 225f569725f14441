"""The run report as one HTML page (no Qt): summary first, then rows to check, charts, every change.

The markup is plain tables and headings so that it reads the same in a browser and in Qt's rich-text
engine (which lays out the PDF); the style sheet adds what a browser can do on top. Pictures come in
through ``images`` (name → ``src``): ``data:`` URIs for the self-contained file, resource names for Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from desktop.app.text import format_count
from desktop.report.changes import FieldChange, StateChange
from desktop.report.data import CONFLICT, FAILED, FLAGGED, RowEntry, RunReport, Summary
from desktop.report.html_style import PRINT_STYLE, STYLE
from desktop.report.wording import (
    REASONS,
    duration,
    headline,
    source_name,
    tokens,
    usd,
    value,
    what_to_check,
)

SCORE_CHART, WARNINGS_CHART, PROGRESS_CHART = "score", "warnings", "progress"


def monitor_image_name(row: int) -> str:
    """The image name of a flagged row's monitor strip."""
    return f"monitor-{row}"


def _tile(label: str, figure: str, note: str = "", tone: str = "") -> str:
    note_html = f'<div class="note">{escape(note)}</div>' if note else ""
    return (
        f'<td class="tile {tone}"><div class="label">{escape(label)}</div>'
        f'<div class="figure">{escape(figure)}</div>{note_html}</td>'
    )


def _summary(s: Summary) -> str:
    if s.other_mode_usd is not None:
        other = f"{'Live' if s.is_batch else 'Batch API'} would have cost {usd(s.other_mode_usd)}"
    else:
        other = "no price known for the other mode" if s.kind.enriches else ""
    tiles_top = [
        _tile("Completed", f"{s.completed:,}", f"of {s.rows:,} rows · {s.changed_rows:,} changed", "good"),
        _tile(
            "Flagged for review", f"{s.flagged:,}", "completed, with warnings", "warn" if s.flagged else ""
        ),
        _tile("Failed", f"{s.failed:,}", "nothing written", "bad" if s.failed else ""),
        _tile("Conflicts", f"{s.conflicts:,}", "changed by someone else", "bad" if s.conflicts else ""),
    ]
    tiles_bottom = [
        _tile("Cost", usd(s.cost_usd), other),
        _tile("Tokens", tokens(s.input_tokens + s.output_tokens),
              f"{tokens(s.input_tokens)} in ({s.cached_share:.0%} cached) · {tokens(s.output_tokens)} out"),
        _tile("Duration", duration(s.duration_sec), (s.started_at or s.created_at)[:16].replace("T", " ")),
        _tile("Model", s.model or "—", s.endpoint_host or "endpoint not recorded"),
    ]  # fmt: skip
    return (
        f'<p class="lead">{escape(headline(s))}</p>'
        '<table class="tiles" width="100%" cellspacing="8">'
        f"<tr>{''.join(tiles_top)}</tr><tr>{''.join(tiles_bottom)}</tr></table>"
    )


def _badges(entry: RowEntry) -> str:
    return " ".join(f'<span class="badge {a}">{escape(REASONS[a])}</span>' for a in entry.attention)


def _attention(report: RunReport) -> str:
    rows = report.attention
    if not rows:
        return '<h2>Check these first</h2><p class="ok">Nothing to check: no row failed, none was flagged, ' \
               "no conflict.</p>"  # fmt: skip
    lines = []
    for entry in rows:
        target = f"#row-{entry.row}" if entry.changed else ""
        case = escape(entry.case_id or "—")
        case_html = f'<a href="{target}">{case}</a>' if target else case
        lines.append(
            f'<tr><td class="num">{entry.row}</td><td>{case_html}'
            f'<div class="title">{escape(entry.title)}</div></td>'
            f"<td>{_badges(entry)}</td><td>{escape(what_to_check(entry))}</td></tr>"
        )
    nouns = {FAILED: ("failed", "failed"), CONFLICT: ("conflict", "conflicts"),
             FLAGGED: ("flagged for review", "flagged for review")}  # fmt: skip
    counts = {a: sum(1 for r in rows if a in r.attention) for a in (FAILED, CONFLICT, FLAGGED)}
    said = ", ".join(format_count(n, *nouns[a]) for a, n in counts.items() if n)
    return (
        f"<h2>Check these first <small>({format_count(len(rows), 'row')}: {said})</small></h2>"
        '<table class="grid attention" width="100%" cellspacing="0" cellpadding="4">'
        "<thead><tr><th>Row</th><th>Case</th><th>Why</th><th>What to check</th></tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def _charts(report: RunReport, images: Mapping[str, str]) -> str:
    parts = ["<h2>In pictures</h2>"]
    for name, alt in (
        (SCORE_CHART, "Quality score per row before and after the run"),
        (WARNINGS_CHART, "Warnings by kind"),
        (PROGRESS_CHART, "Rows finished and cost over time"),
    ):
        if name in images:
            parts.append(f'<p class="chart"><img src="{images[name]}" width="760" alt="{escape(alt)}"></p>')
        elif name == WARNINGS_CHART and not report.warnings_by_kind:
            parts.append('<p class="ok">No result has a warning.</p>')
    return "".join(parts)


def _cell(before: object, after: object, generated: bool, whole_new: bool) -> str:
    if before == after:
        return f'<span class="same">{escape(value(after))}</span>'
    new = f'<b class="gen">{escape(value(after))}</b>' if generated else f"<b>{escape(value(after))}</b>"
    if before is None and whole_new:
        return new
    return f'<span class="old">{escape(value(before))}</span> → {new}'


def _changed_fields(states: list[StateChange]) -> list[str]:
    fields: list[str] = []
    for state in states:
        for f in state.fields:
            if (f.changed or f.warnings) and f.field not in fields:
                fields.append(f.field)
    return fields


def _state_label(state: StateChange) -> str:
    return escape(state.column) + (" <small>(new)</small>" if state.was_empty else "")


def _field(tag: str, found: FieldChange, was_empty: bool, label: str = "") -> str:
    """One field's before → after in a ``tag`` element, marked when it has a warning."""
    mark = ' class="warned"' if found.warnings else ""
    return f"<{tag}{mark}>{label}{_cell(found.before, found.after, found.generated, was_empty)}</{tag}>"


def _fields_of(state: StateChange, fields: list[str]) -> list[tuple[str, FieldChange | None]]:
    """Each of ``fields`` with its change in ``state`` (None when the state has no such field)."""
    by_name = {f.field: f for f in state.fields}
    return [(name, by_name.get(name)) for name in fields]


def _changes_table(states: list[StateChange], fields: list[str]) -> str:
    """One line per state, one column per field."""
    body = []
    for state in states:
        cells = [
            '<td class="same">—</td>' if found is None else _field("td", found, state.was_empty)
            for _name, found in _fields_of(state, fields)
        ]
        body.append(f'<tr><th class="field">{_state_label(state)}</th>{"".join(cells)}</tr>')
    header = "".join(f"<th>{escape(name)}</th>" for name in fields)
    return (
        '<table class="grid changes" cellspacing="0" cellpadding="3">'
        f"<thead><tr><th>State</th>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _changes_lines(states: list[StateChange], fields: list[str]) -> str:
    """One paragraph per state, its changed fields in a row (for print: far quicker for Qt to lay out)."""
    lines = []
    for state in states:
        items = [
            _field("span", found, state.was_empty, f"{escape(name)} ")
            for name, found in _fields_of(state, fields)
            if found is not None and (found.changed or found.warnings)
        ]
        lines.append(f'<p class="state"><b>{_state_label(state)}</b>: {" · ".join(items)}</p>')
    return "".join(lines)


def _row_changes(entry: RowEntry, images: Mapping[str, str], compact: bool = False) -> str:
    """A changed row: per state, each changed field before → after (a table, or lines when
    ``compact``), then its warnings and, for a flagged row, its monitor strip."""
    states = [s for s in entry.states if s.after is not None or s.changed]
    fields = _changed_fields(states)
    changes = _changes_lines(states, fields) if compact else _changes_table(states, fields)
    notes = "".join(f"<li>{escape(w.text)}</li>" for w in entry.warnings)
    extra = f'<ul class="warn">{notes}</ul>' if notes else ""
    broken = "".join(
        f'<p class="note">{escape(s.column)} was not readable before: '
        f"<code>{escape(s.before_text[:200])}</code></p>"
        for s in states
        if s.before_text
    )
    strip = ""
    if monitor_image_name(entry.row) in images:
        strip = f'<p class="strip"><img src="{images[monitor_image_name(entry.row)]}" width="600" ' \
                f'alt="Monitor of row {entry.row}"></p>'  # fmt: skip
    scores = ""
    if entry.score_before is not None and entry.score_after is not None:
        scores = f" · score {entry.score_before} → {entry.score_after}"
    return (
        f'<div class="rowcard" id="row-{entry.row}"><h3><a name="row-{entry.row}"></a>Row {entry.row} · '
        f"{escape(entry.case_id or '—')} <small>{escape(entry.title)}{scores}</small> {_badges(entry)}</h3>"
        f"{changes}{extra}{broken}{strip}</div>"
    )


def _changed_heading(count: int, compact: bool = False) -> str:
    if not count:
        return "<h2>Every changed row</h2><p>The run changed no row.</p>"
    layout = (
        "one line per state with the fields it changed"
        if compact
        else ("one line per state, one column per field the run changed")
    )
    return (
        f'<h2 class="newpage">Every changed row <small>({count:,})</small></h2>'
        f'<p class="legend">For each row, {layout}: the value before '
        '<span class="old">struck through</span>, then the value after. '
        '<b class="gen">Highlighted</b> values were generated by the model; fields with a warning are '
        '<span class="warned">marked</span> and the warnings follow. '
        "Unchanged fields are left out.</p>"
    )


FOOTER = (
    '<p class="footer">Made by SimBatch from its journal; nothing was read from the sheet or the '
    "internet.</p>"
)


def _page(title: str, content: str, style: str = STYLE) -> str:
    head = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{style}</style></head>"
    )
    return f'{head}<body><div class="page">{content}</div></body></html>'


def _front(report: RunReport, images: Mapping[str, str]) -> str:
    """Everything before the changed rows: the first screen, the rows to check and the charts."""
    s = report.summary
    meta = (
        f"{escape(source_name(s.source))} · tab {escape(s.scenario_tab)} · run {escape(s.run_id)} · "
        f"{escape(s.status.lower())} · report made {escape(report.generated_at.replace('T', ' '))}"
    )
    return (
        f'<h1>What this run did</h1><p class="meta">{meta}</p><p class="meta full">{escape(s.source)}</p>'
        f"{_summary(s)}{_attention(report)}{_charts(report, images)}"
    )


def _title(report: RunReport) -> str:
    return f"SimBatch run report · {report.summary.run_id}"


def render_html(report: RunReport, images: Mapping[str, str]) -> str:
    """The whole report as one page, with the pictures named in ``images``."""
    changed = report.changed
    cards = "".join(_row_changes(entry, images) for entry in changed)
    return _page(_title(report), _front(report, images) + _changed_heading(len(changed)) + cards + FOOTER)


def render_parts(report: RunReport, images: Mapping[str, str], rows_per_part: int) -> list[str]:
    """The report for print (Qt's rich-text engine and ``PRINT_STYLE``) as consecutive parts of at most
    ``rows_per_part`` changed rows each, the first with everything before them: Qt lays out many small
    documents much faster than one large one."""
    changed = report.changed
    parts = [_front(report, images) + _changed_heading(len(changed), compact=True)]
    for start in range(0, len(changed), rows_per_part):
        chunk = changed[start : start + rows_per_part]
        cards = "".join(_row_changes(entry, images, compact=True) for entry in chunk)
        if start == 0:
            parts[0] += cards
        else:
            parts.append(cards)
    parts[-1] += FOOTER
    return [_page(_title(report), part, PRINT_STYLE) for part in parts]
