"""``simbatch validate``: check the selected rows, optionally auto-fix them, and report."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.app.rows import apply_changes
from desktop.app.text import format_count
from desktop.cli.parsing import add_command, add_json_argument, add_source_arguments
from desktop.cli.selection import changes_json, open_selection
from desktop.cli_output import format_table, print_json
from desktop.domain.autofix import auto_fix
from desktop.domain.models import CellChange, Fix, Issue, RowReport, Scenario
from desktop.domain.validate import summarize, validate_table
from desktop.journal import Journal, RunKind


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = add_command(
        subparsers, "validate", run, "check vitals of the selected rows",
        "Check the vitals of the selected rows: required fields, JSON, ranges, waveforms, "
        "consistency. Exit code 1 when a critical issue remains.",
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--auto-fix", action="store_true", help="fix placeholders, aliases, units and formats, then report"
    )
    parser.add_argument("--verbose", action="store_true", help="list every issue in plain words")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Validate (and with ``--auto-fix`` first fix) the selected rows; 1 when critical issues remain."""
    with open_selection(args) as selection:
        scenarios: list[Scenario] = list(selection.scenarios)
        fixes_by_row: dict[int, list[Fix]] = {}
        left_alone: dict[int, list[Issue]] = {}
        changes: list[CellChange] = []
        run_id: str | None = None
        if args.auto_fix:
            results = [auto_fix(s) for s in scenarios]
            changes = [change for result in results for change in result.changes]
            if changes:
                with Journal.open() as journal:
                    run_id = apply_changes(
                        journal, selection.source, changes, kind=RunKind.AUTOFIX, row_spec=args.rows,
                        case_ids={s.row: s.case_id for s in scenarios},
                    )
            scenarios = [result.scenario for result in results]
            fixes_by_row = {result.scenario.row: list(result.fixes) for result in results}
            left_alone = {result.scenario.row: result.left_alone for result in results}
        reports = validate_table(scenarios)
        for report in reports:
            report.fixes = fixes_by_row.get(report.row, [])
            report.issues.extend(left_alone.get(report.row, []))
        summary = summarize(reports)
        if args.json:
            document: dict[str, object] = {
                "rows": [report.to_json() for report in reports],
                "summary": summary,
                "skipped_rows": selection.past_end,
            }
            if args.auto_fix:
                document["changes"] = changes_json(changes)
                document["run_id"] = run_id
            print_json(document)
        else:
            text = render_report(
                reports, summary, verbose=args.verbose, auto_fix=args.auto_fix, changes=changes
            )
            print(text)
            if run_id:
                print(f"The fixes were journaled as run {run_id}; 'simbatch revert {run_id}' undoes them.")
    return 1 if any(report.critical_count for report in reports) else 0


def render_report(
    reports: list[RowReport],
    summary: dict[str, Any],
    verbose: bool,
    auto_fix: bool,
    changes: list[CellChange],
) -> str:
    """The human-readable report: a table per row, details when verbose, and a summary line."""
    if not reports:
        return "No data rows in the selection."
    headers = ["Row", "Case ID", "Score", "Critical", "Warnings"]
    table: list[list[object]] = [
        [r.row, r.case_id, r.score, r.critical_count, r.warning_count] for r in reports
    ]
    if auto_fix:
        headers.append("Fixes")
        for row, report in zip(table, reports, strict=True):
            row.append(len(report.fixes))
    lines = [format_table(headers, table, right=[0, 2, 3, 4, 5])]
    if verbose:
        for report in reports:
            if not report.issues and not report.fixes:
                continue
            lines.append("")
            lines.append(f"Row {report.row} ({report.case_id or 'no Case ID'}):")
            lines.extend(f"  fixed {fix.field}: {fix.old!r} -> {fix.new!r}" for fix in report.fixes)
            lines.extend(
                f"  {issue.severity.value:<8} {issue.field}: {issue.message}" for issue in report.issues
            )
    lines.append("")
    if auto_fix:
        rows_changed = len({c.row for c in changes})
        cells = format_count(len(changes), "cell")
        lines.append(f"Auto-fix changed {cells} in {format_count(rows_changed, 'row')}.")
    checked = format_count(int(summary["rows"]), "row")
    critical = format_count(int(summary["critical"]), "critical issue")
    warnings = format_count(int(summary["warnings"]), "warning")
    lines.append(f"{checked} checked: {critical}, {warnings}, average score {summary['average_score']}.")
    if not verbose and any(r.issues for r in reports):
        lines.append("Run again with --verbose to see every issue.")
    return "\n".join(lines)
