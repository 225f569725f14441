"""``simbatch defaults``: fill missing vitals fields of the selected rows with clinical defaults."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.app.rows import apply_changes
from desktop.app.text import format_count
from desktop.cli.parsing import add_command, add_json_argument, add_source_arguments
from desktop.cli.selection import changes_json, open_selection
from desktop.cli_output import print_json
from desktop.domain.defaults import apply_defaults
from desktop.journal import Journal, RunKind


def register(subparsers: Any) -> None:
    """Add the ``defaults`` command."""
    parser = add_command(
        subparsers, "defaults", run, "fill missing vitals fields with clinical defaults",
        "Fill only the vitals fields that are missing in the selected rows with clinical "
        "defaults (adjusted to the row's waveform); fields that are present are never changed.",
    )
    add_source_arguments(parser)
    parser.add_argument("--dry-run", action="store_true", help="show what would be added; write nothing")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Apply defaults to the selected rows and write all changes in one batch (none with --dry-run)."""
    with open_selection(args) as selection:
        results = [(scenario, apply_defaults(scenario)) for scenario in selection.scenarios]
        changes = [change for _, result in results for change in result.changes]
        run_id: str | None = None
        if not args.dry_run and changes:
            with Journal.open() as journal:
                run_id = apply_changes(
                    journal, selection.source, changes, kind=RunKind.DEFAULTS, row_spec=args.rows,
                    case_ids={s.row: s.case_id for s in selection.scenarios},
                )
        rows = [
            {
                "row": scenario.row,
                "case_id": scenario.case_id,
                "added": result.added,
                "fields": list(result.added_fields),
            }
            for scenario, result in results
        ]
        total = sum(result.added for _, result in results)
        if args.json:
            print_json(
                {
                    "rows": rows,
                    "summary": {"rows": len(rows), "added": total},
                    "dry_run": bool(args.dry_run),
                    "skipped_rows": selection.past_end,
                    "changes": changes_json(changes),
                    "run_id": run_id,
                }
            )
        else:
            print(render_defaults(rows, total, dry_run=args.dry_run))
            if run_id:
                print(f"The changes were journaled as run {run_id}; 'simbatch revert {run_id}' undoes them.")
    return 0


def render_defaults(rows: list[dict[str, Any]], total: int, dry_run: bool) -> str:
    """One line per row that gains fields, then the count."""
    lines = [
        f"Row {row['row']} ({row['case_id'] or 'no Case ID'}): "
        f"{'would add' if dry_run else 'added'} {', '.join(str(f) for f in row['fields'])}"
        for row in rows
        if row["added"]
    ]
    touched = sum(1 for row in rows if row["added"])
    added = format_count(total, "field")
    where = f"in {format_count(touched, 'row')} of {len(rows)}"
    if dry_run:
        lines.append(f"Dry run: {added} would be added {where}; nothing was written.")
    else:
        lines.append(f"Added {added} {where}.")
    return "\n".join(lines)
