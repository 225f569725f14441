"""The ``Source`` interface: a workbook with a scenario tab and a ``Batch_Progress`` tab.

Two implementations (a Google Sheet and a local .xlsx workbook) behave the same; the rest of
the code cannot tell them apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from desktop.domain.layout import SheetLayout
from desktop.domain.models import CellValue, Scenario

DEFAULT_SCENARIO_TAB = "Master Scenario Convert"
PROGRESS_TAB = "Batch_Progress"

#: The 15 columns of the progress tab, in order (SPEC section 6).
PROGRESS_COLUMNS: tuple[str, ...] = (
    "Batch_ID",
    "Row_Number",
    "Case_ID",
    "Status",
    "Started_At",
    "Completed_At",
    "Duration_Sec",
    "Retry_Count",
    "Error_Message",
    "OpenAI_Tokens",
    "Cost_USD",
    "Vitals_Added",
    "Warnings",
    "Last_Updated",
    "Checkpoint",
)


@dataclass(frozen=True, slots=True)
class CellRef:
    """One cell of the scenario tab: a sheet row number and a column name.

    ``column`` is a canonical vitals column name (``Initial_Vitals``, ``State2_Vitals``) or any
    header the layout knows (``Case_ID``, a context header).
    """

    row: int
    column: str


@dataclass(slots=True)
class ScenarioTable:
    """What a read of the scenario tab returns."""

    layout: SheetLayout
    scenarios: list[Scenario] = field(default_factory=list)
    last_row: int = 0  # last non-empty data row in the tab (0 when none)
    skipped_rows: list[int] = field(default_factory=list)  # requested rows past the last row


class Source(ABC):
    """A workbook holding scenario rows and a progress tab."""

    #: A short description for messages and window titles.
    display_name: str
    #: A stable identifier (``gsheet:<id>`` or an absolute path) stored in the journal.
    locator: str
    scenario_tab: str
    #: Every write reads and saves the whole file (a local workbook): writes cost CPU in proportion
    #: to the workbook, so a run writes its results and its progress tab less often.
    writes_whole_file: bool = False

    @abstractmethod
    def read_layout(self) -> SheetLayout:
        """Find the header row and the columns (raises ``InputError`` on a missing Case_ID)."""

    @abstractmethod
    def read_scenarios(self, rows: Sequence[int] | None = None) -> ScenarioTable:
        """Read the data rows (all when ``rows`` is None), skipping empty rows.

        Requested rows past the last data row are listed in ``skipped_rows``.
        """

    @abstractmethod
    def read_cells(self, refs: Sequence[CellRef]) -> dict[CellRef, CellValue]:
        """Read the current value of each cell (one round trip where the source allows)."""

    @abstractmethod
    def write_cells(self, values: Mapping[CellRef, CellValue]) -> None:
        """Write all the given cells in one batch; nothing else in the workbook changes."""

    @abstractmethod
    def ensure_progress_tab(self) -> bool:
        """Create the progress tab with its 15 headers if missing; True when it was created."""

    @abstractmethod
    def read_progress(self) -> list[list[CellValue]]:
        """The progress tab's data rows (without the header), each padded to 15 cells."""

    @abstractmethod
    def write_progress(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert progress rows keyed by (Batch_ID, Row_Number): update in place or append."""

    def hold_for_writing(self) -> None:  # noqa: B027 - optional hook
        """Before a run that writes: make sure no other SimBatch writes this source meanwhile (a
        workbook takes a lock file; a Google Sheet coordinates through claims instead)."""

    def locate_cases(self, case_ids: Collection[str]) -> dict[str, int]:
        """The sheet row where each case ID is now (the first, when one appears twice); rows move
        when someone inserts, deletes or sorts rows while a run goes on."""
        wanted = {c.strip() for c in case_ids}
        found: dict[str, int] = {}
        for scenario in self.read_scenarios(None).scenarios:
            key = scenario.case_id.strip()
            if key in wanted and key not in found:
                found[key] = scenario.row
        return found

    def check_writable(self) -> None:  # noqa: B027 - optional hook
        """Raise ``InputError`` when writing is known to fail; a source that cannot tell cheaply
        (a Google Sheet: permission shows on the first write) does nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (HTTP clients, file handles)."""
