"""The reply policy: whether a model's reply can be used, and what it leaves for a person to review.

The same rules serve live and Batch API runs, and they are ``validate``'s rules: the generated fields
are merged into the row's cells and the row is validated as it will be written. A reply is rejected only
when it is unusable — refused, cut off, not JSON or off the schema, a value outside the possible range,
a pulseless rhythm with a pulse or blood pressure (every critical issue of ``validate``). Warnings
(typical ranges, rhythm against heart rate, jumps between states) never reject: the row is completed and
flagged for review with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop.domain.enrichment import as_plan, merge_cell
from desktop.domain.llm_schema import ReplyError, parse_reply
from desktop.domain.models import Issue, Scenario, Severity
from desktop.domain.validate import validate_scenario
from desktop.domain.vitals import format_vitals
from desktop.errors import short_text

#: At most this many follow-up questions after a rejected reply (live mode only).
MAX_FOLLOW_UPS = 2


@dataclass(frozen=True, slots=True)
class Verdict:
    """A usable reply: the cells to write, the fields the model generated in each, and the warnings
    the written cells have (a row with any is flagged for review)."""

    cells: dict[str, dict[str, object]]
    generated: dict[str, list[str]]
    warnings: list[Issue] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """True when a person should look at the written vitals."""
        return bool(self.warnings)


def issue_text(issue: Issue) -> str:
    """One issue as a line for the progress sheet and the run log: ``<field>: <message>``."""
    return f"{issue.field}: {issue.message}"


def _column_of(where: str) -> str:
    return where.split(".", 1)[0]


def judge_reply(
    content: str | None,
    finish_reason: str | None,
    refusal: str | None,
    scenario: Scenario,
    columns: Sequence[str] | Mapping[str, Sequence[str]],
) -> Verdict:
    """Judge one reply to the request for ``columns`` (a field plan or whole columns) of ``scenario``.

    Returns the ``Verdict``; raises ``ReplyError`` with a one-sentence complaint when the reply is
    unusable. The complaint names the problem so that asking again can say what to fix.
    """
    if refusal:
        raise ReplyError(f"The model refused: {short_text(refusal)}")
    if finish_reason == "length":
        raise ReplyError("The reply was cut off before it was complete.")
    if finish_reason == "content_filter":
        raise ReplyError("The reply was withheld by the provider's content filter.")
    text = content or ""
    if not text.strip():
        raise ReplyError("The reply was empty.")
    plan = as_plan(columns)
    values = parse_reply(text, plan)
    cells = {col: merge_cell(scenario.vitals.get(col), fields, values[col]) for col, fields in plan.items()}
    written = Scenario(
        row=scenario.row,
        case_id=scenario.case_id,
        title=scenario.title,
        vitals={**scenario.vitals, **{col: format_vitals(cell) for col, cell in cells.items()}},
    )
    issues = [i for i in validate_scenario(written).issues if _column_of(i.field) in plan]
    critical = [i for i in issues if i.severity is Severity.CRITICAL]
    if critical:
        raise ReplyError(" ".join(issue_text(i) for i in critical[:3]))
    warnings = [i for i in issues if i.severity is Severity.WARNING]
    generated = {col: list(fields) for col, fields in plan.items()}
    return Verdict(cells, generated, warnings)


def follow_up(reply: str | None, complaint: str) -> list[dict[str, str]]:
    """The messages that ask again after a rejected reply: the reply itself, then what was wrong with it
    and what to send instead (not a blind repeat of the question)."""
    return [
        {"role": "assistant", "content": reply or "(no answer)"},
        {
            "role": "user",
            "content": (
                f"That reply cannot be used: {complaint} Reply again with the JSON object only, with the "
                "same columns and fields as asked, all values within the possible ranges, and fields "
                "that agree with the fixed facts given for each state."
            ),
        },
    ]
