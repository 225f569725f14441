"""First start: open a copy of the demo workbook, an .xlsx file, or a Google Sheet from its link."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.app.demo import open_demo_copy
from desktop.errors import InputError, first_line

#: One sentence for each of the main actions, shown on the welcome screen.
WHAT_EACH_DOES: tuple[tuple[str, str], ...] = (
    ("Validate", "checks every row's vitals against clinical ranges and scores them; it changes nothing."),
    ("Auto-fix", "shows the safe repairs (units, rhythm names, broken JSON) and writes only those you "
                 "apply."),
    ("Add defaults", "fills only the missing vitals fields with clinical defaults for the row's rhythm, "
                     "after a preview."),
    ("Run", "has an AI model write the missing vitals of the selected rows back into your sheet, with the "
            "cost shown first; the first time, SimBatch asks for an OpenAI key or a local model server."),
)


class WelcomeDialog(QDialog):
    """Three ways to start, and what the main actions do; ``choice`` holds the source text once the
    dialog is accepted. The model for runs is asked for later, on the first Run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to SimBatch")
        self.choice: str | None = None
        intro = QLabel(
            "SimBatch checks the vitals of your simulation scenarios, fills gaps and writes the results "
            "back. Start by choosing where your scenario rows live."
        )
        intro.setWordWrap(True)
        self.demo_button = QPushButton("Open the &demo workbook")
        self.demo_button.setToolTip(
            "Your own copy of a small workbook of example scenarios, to try things safely"
        )
        self.demo_button.clicked.connect(self.choose_demo)
        self.file_button = QPushButton("Open an Excel &workbook (.xlsx)…")
        self.file_button.setToolTip("Pick a workbook on this computer")
        self.file_button.clicked.connect(self.choose_file)
        self.link_edit = QLineEdit()
        self.link_edit.setPlaceholderText("https://docs.google.com/spreadsheets/d/…")
        self.link_edit.setToolTip("Paste the link of your Google Sheet")
        self.link_edit.returnPressed.connect(self.choose_link)
        self.link_button = QPushButton("Open &sheet")
        self.link_button.setToolTip("Open the Google Sheet whose link you pasted")
        self.link_button.clicked.connect(self.choose_link)
        self.sign_in_button = QPushButton("Sign &in with Google…")
        self.sign_in_button.setToolTip("Let SimBatch read and write your Google Sheets")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_edit, 1)
        link_row.addWidget(self.link_button)
        sources = QGroupBox("Where are your scenarios?")
        source_layout = QVBoxLayout(sources)
        source_layout.addWidget(self.demo_button)
        source_layout.addWidget(self.file_button)
        source_layout.addWidget(QLabel("Or a Google Sheet:"))
        source_layout.addLayout(link_row)
        source_layout.addWidget(self.sign_in_button)
        self.help_labels = [QLabel(f"<b>{name}</b> {sentence}") for name, sentence in WHAT_EACH_DOES]
        steps = QGroupBox("What each step does")
        steps_layout = QVBoxLayout(steps)
        for label in self.help_labels:
            label.setWordWrap(True)
            steps_layout.addWidget(label)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(sources)
        layout.addWidget(self.message)
        layout.addWidget(steps)
        self.setMinimumWidth(600)
        # wrapped labels: the height that fits this width, not the (narrow) size hint's
        self.resize(620, layout.totalHeightForWidth(620))

    def choose(self, text: str) -> None:
        """Accept the dialog with this source."""
        self.choice = text
        self.accept()

    def choose_demo(self) -> None:
        """Accept with the user's copy of the demo workbook (made first when there is none)."""
        try:
            copy = open_demo_copy()
        except (OSError, InputError) as exc:
            self.message.setText(first_line(exc, "The demo workbook could not be copied."))
            return
        self.choose(str(copy))

    def choose_file(self) -> None:
        """Ask for an .xlsx file."""
        path, _ = QFileDialog.getOpenFileName(self, "Open workbook", "", "Excel workbooks (*.xlsx)")
        if path:
            self.choose(path)

    def choose_link(self) -> None:
        """Open the pasted Google Sheet link (checked for its form first)."""
        from desktop.services.open_source import parse_locator

        text = self.link_edit.text().strip()
        try:
            parse_locator(text)
        except InputError as exc:
            self.message.setText(str(exc))
            return
        self.choose(text)

    def sign_in(self) -> None:
        """Run the Google sign-in off the GUI thread."""
        from desktop.app.signin import sign_in, sign_in_state
        from desktop.gui.qt.workers import run_task

        self.sign_in_button.setEnabled(False)
        self.message.setText("Waiting for the browser sign-in…")

        def done(_value: object) -> None:
            self.sign_in_button.setEnabled(True)
            account = sign_in_state().account
            self.message.setText(f"Signed in as {account}." if account else "Signed in.")

        def failed(error: BaseException) -> None:
            self.sign_in_button.setEnabled(True)
            self.message.setText(first_line(error, "Sign-in failed."))

        run_task(lambda _ctx: sign_in(), on_result=done, on_error=failed, owner=self)
