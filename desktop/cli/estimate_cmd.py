"""``simbatch estimate``: tokens, cost (live and batch side by side) and time before starting a run."""

from __future__ import annotations

import argparse
import math
from typing import Any

from desktop.app.runs import check_priced, estimate_run
from desktop.app.text import format_duration, held_by_colleagues
from desktop.cli.parsing import add_command, add_json_argument, add_model_argument, add_source_arguments
from desktop.cli.selection import open_selection
from desktop.cli_output import format_table, print_json
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``estimate`` command."""
    parser = add_command(
        subparsers, "estimate", run, "tokens, cost and time of a run, before starting it",
        "Estimate the tokens, the cost (live and Batch API side by side) and the time of "
        "generating the missing vitals of the selected rows, from the real prompts.",
    )
    add_source_arguments(parser)
    parser.add_argument("--mode", choices=("live", "batch"), default="live", help="the mode to highlight")
    add_model_argument(parser)
    parser.add_argument(
        "--overwrite", action="store_true", help="count valid vitals cells as regenerated too"
    )
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Print the estimate per row and in total."""
    settings = load_settings()
    model = args.model or settings.model
    check_priced(settings, model)  # an unknown model is a usage error before the source is opened
    with open_selection(args) as selection:
        planned = estimate_run(
            selection.scenarios, settings, model, selection.source,
            vitals_columns=list(selection.table.layout.vitals), overwrite=args.overwrite,
        )
    estimate, claimed = planned.estimate, planned.claimed
    document: dict[str, Any] = {
        "model": model,
        "mode": args.mode,
        "rows": [
            {"row": r.row, "case_id": r.case_id, "columns": r.columns, "input_tokens": r.input_tokens,
             "output_tokens": r.output_tokens}
            for r in estimate.per_row
        ],
        "totals": {
            **estimate.cost.to_json(),
            "selected_rows": estimate.rows,
            "requests": estimate.requests,
            "live_minutes": round(estimate.live_minutes, 2),
            "batch_hours_max": estimate.batch_hours_max,
            "requests_per_minute": settings.requests_per_minute,
            "tokens_per_minute": settings.tokens_per_minute,
            "workers": settings.workers,
        },
        "skipped_rows": selection.past_end,
        "claimed_by_others": [
            {"row": s.row, "case_id": s.case_id, "by": claimed[s.case_id].holder,
             "since": claimed[s.case_id].since, "batch": claimed[s.case_id].batch}
            for s in selection.scenarios if s.case_id in claimed
        ],
    }
    if args.json:
        print_json(document)
    else:
        print(render_estimate(document))
    return 0


def render_estimate(document: dict[str, Any]) -> str:
    """The table per row, then the totals with the chosen mode marked."""
    rows = document["rows"]
    totals = document["totals"]
    table = [
        [r["row"], r["case_id"], ", ".join(r["columns"]) or "(nothing to generate)", r["input_tokens"],
         r["output_tokens"]]
        for r in rows
    ]
    lines = [format_table(["Row", "Case ID", "Columns", "Tokens in", "Tokens out"], table, right=[0, 3, 4])]
    live_mark, batch_mark = ("*", " ") if document["mode"] == "live" else (" ", "*")
    seconds = totals["live_minutes"] * 60
    live_time = format_duration(math.ceil(seconds)) if seconds else "0s"
    lines += [
        "",
        f"{totals['requests']} requests for {totals['selected_rows']} rows with model {document['model']}: "
        f"{totals['input_tokens']} input tokens (about {totals['cached_tokens']} from the prompt cache), "
        f"{totals['output_tokens']} output tokens.",
        f"{live_mark} live:  ${totals['live_usd']:.4f}, about {live_time} at "
        f"{totals['requests_per_minute']} requests/min and {totals['tokens_per_minute']} tokens/min "
        f"with {totals['workers']} workers",
        f"{batch_mark} batch: ${totals['batch_usd']:.4f}, results within {totals['batch_hours_max']} hours",
    ]
    others = document.get("claimed_by_others") or []
    lines += held_by_colleagues({c["row"]: f"in progress by {c['by']}, since {c['since']}" for c in others})
    return "\n".join(lines)
