"""``simbatch estimate``: tokens, cost (live and batch side by side) and time before starting a run."""

from __future__ import annotations

import argparse
import math
from typing import Any

from desktop.cli.selection import add_source_arguments, open_selection
from desktop.cli_output import format_duration, format_table, print_json
from desktop.domain.enrichment import columns_to_generate
from desktop.domain.pricing import PriceTable
from desktop.domain.prompts import estimate_request_tokens, max_output_tokens
from desktop.settings import Settings, load_settings

#: The Batch API promises results within this many hours.
BATCH_WINDOW_HOURS = 24


def register(subparsers: Any) -> None:
    """Add the ``estimate`` command."""
    parser = subparsers.add_parser(
        "estimate",
        help="tokens, cost and time of a run, before starting it",
        description="Estimate the tokens, the cost (live and Batch API side by side) and the time of "
        "generating the missing vitals of the selected rows, from the real prompts.",
    )
    add_source_arguments(parser)
    parser.add_argument("--mode", choices=("live", "batch"), default="live", help="the mode to highlight")
    parser.add_argument("--model", default=None, metavar="M", help="the model (default from settings)")
    parser.add_argument(
        "--overwrite", action="store_true", help="count valid vitals cells as regenerated too"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.set_defaults(handler=run)


def live_minutes(settings: Settings, requests: int, tokens_in: int, tokens_out_cap: int) -> float:
    """Minutes a live run needs under the requests/min and tokens/min limits (the tighter one wins)."""
    if requests == 0:
        return 0.0
    by_requests = requests / settings.requests_per_minute
    by_tokens = (tokens_in + tokens_out_cap) / settings.tokens_per_minute
    return max(by_requests, by_tokens)


def run(args: argparse.Namespace) -> int:
    """Print the estimate per row and in total."""
    settings = load_settings()
    model = args.model or settings.model
    prices = PriceTable.load(settings.price_overrides)
    prices.price(model)  # an unknown model is a usage error before the source is opened
    with open_selection(args) as selection:
        vitals_columns = list(selection.table.layout.vitals)
        scenarios = selection.scenarios
        columns = [columns_to_generate(s, vitals_columns, overwrite=args.overwrite) for s in scenarios]
        rows: list[dict[str, Any]] = []
        requests: list[tuple[int, int]] = []
        out_cap = 0
        for scenario, cols in zip(scenarios, columns, strict=True):
            tokens_in, tokens_out = estimate_request_tokens(scenario, cols) if cols else (0, 0)
            if cols:
                requests.append((tokens_in, tokens_out))
                out_cap += max_output_tokens(cols)
            rows.append(
                {"row": scenario.row, "case_id": scenario.case_id, "columns": cols,
                 "input_tokens": tokens_in, "output_tokens": tokens_out}
            )
        estimate = prices.estimate_requests(model, requests)
    minutes = live_minutes(settings, estimate.rows, estimate.input_tokens, out_cap)
    document: dict[str, Any] = {
        "model": model,
        "mode": args.mode,
        "rows": rows,
        "totals": {
            **estimate.to_json(),
            "selected_rows": len(rows),
            "requests": estimate.rows,
            "live_minutes": round(minutes, 2),
            "batch_hours_max": BATCH_WINDOW_HOURS,
            "requests_per_minute": settings.requests_per_minute,
            "tokens_per_minute": settings.tokens_per_minute,
            "workers": settings.workers,
        },
        "skipped_rows": selection.past_end,
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
    return "\n".join(lines)
