"""The pane beside the table: the selected row's vitals per state and its issues in plain words."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.models import CellValue, RowReport, Scenario, Severity
from desktop.gui.rows.cells import severity_icon
from desktop.gui.rows.columns import OK

_SEVERITY_WORDS = {
    Severity.CRITICAL: "Critical",
    Severity.WARNING: "Warning",
    Severity.INFO: "Note",
}


def format_vitals(vitals: dict[str, CellValue]) -> str:
    """Each vitals column as a heading followed by its JSON, indented; unparsable cells shown as is."""
    if not vitals:
        return "This row has no vitals columns."
    blocks: list[str] = []
    for column, raw in vitals.items():
        blocks.append(f"{column}:\n{_format_cell(raw)}")
    return "\n\n".join(blocks)


def _format_cell(raw: CellValue) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "  (empty)"
    if not isinstance(raw, str):
        return f"  {raw!r}  (not a JSON object)"
    try:
        parsed = json.loads(raw)
    except ValueError:
        return f"  {raw}\n  (not valid JSON)"
    if not isinstance(parsed, dict):
        return f"  {raw}\n  (not a JSON object)"
    text = json.dumps(parsed, indent=2, ensure_ascii=False)
    return "\n".join("  " + line for line in text.splitlines())


def issue_lines(report: RowReport) -> list[tuple[str, str]]:
    """(severity, sentence) for each issue, worst first, in the words a user reads."""
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    ranked = sorted(report.issues, key=lambda issue: order[issue.severity])
    return [
        (issue.severity.value, f"{_SEVERITY_WORDS[issue.severity]} — {issue.field}: {issue.message}")
        for issue in ranked
    ]


class DetailPane(QWidget):
    """Shows one scenario: title, vitals per state (pretty JSON) and its validation issues."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Select a row to see its vitals and issues.")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)

        self.vitals_view = QPlainTextEdit()
        self.vitals_view.setReadOnly(True)
        self.vitals_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.vitals_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        self.issues_label = QLabel("Issues")
        self.issues_list = QListWidget()
        self.issues_list.setWordWrap(True)
        self.issues_list.setAlternatingRowColors(True)

        vitals_box = QWidget()
        vitals_layout = QVBoxLayout(vitals_box)
        vitals_layout.setContentsMargins(0, 0, 0, 0)
        vitals_layout.addWidget(QLabel("Vitals per state"))
        vitals_layout.addWidget(self.vitals_view)
        issues_box = QWidget()
        issues_layout = QVBoxLayout(issues_box)
        issues_layout.setContentsMargins(0, 0, 0, 0)
        issues_layout.addWidget(self.issues_label)
        issues_layout.addWidget(self.issues_list)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(vitals_box)
        splitter.addWidget(issues_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)

    def clear(self) -> None:
        """Show the empty state."""
        self.heading.setText("Select a row to see its vitals and issues.")
        self.vitals_view.clear()
        self.issues_list.clear()
        self.issues_label.setText("Issues")

    def show_multiple(self, count: int) -> None:
        """Several rows are selected: say so instead of picking one."""
        self.clear()
        self.heading.setText(f"{count} rows selected.")

    def show_scenario(self, scenario: Scenario, report: RowReport | None) -> None:
        """Show one row's vitals and, once validated, its issues."""
        title = scenario.title or "(no title)"
        self.heading.setText(f"Row {scenario.row} · {scenario.case_id or '(no Case ID)'} — {title}")
        self.vitals_view.setPlainText(format_vitals(scenario.vitals))
        self.issues_list.clear()
        if report is None:
            self.issues_label.setText("Issues (not validated yet: press Validate)")
            return
        lines = issue_lines(report)
        self.issues_label.setText(f"Issues ({len(lines)}) · score {report.score}")
        if not lines:
            item = QListWidgetItem(severity_icon(OK), "No issues found.")
            self.issues_list.addItem(item)
        for severity, text in lines:
            self.issues_list.addItem(QListWidgetItem(severity_icon(severity), text))

    def issue_texts(self) -> list[str]:
        """The issue sentences currently shown (for tests and accessibility tools)."""
        return [self.issues_list.item(i).text() for i in range(self.issues_list.count())]
