"""The Settings dialog's Google account line: who is signed in, Sign in (browser sign-in) and Sign out
(the access withdrawn at Google, then the token forgotten), each on a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.app.signin import sign_in, sign_in_state, sign_out
from desktop.errors import first_line
from desktop.gui.qt.workers import run_task

if TYPE_CHECKING:
    from desktop.services.auth import SignOut


class GoogleAccountBox(QWidget):
    """Signed-in account, the Sign in / Sign out button, and what the last sign-out did."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        #: What the last sign-out did (withdrawn at Google, or where to withdraw it by hand).
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setVisible(False)
        self.button = QPushButton("")
        self.button.clicked.connect(self._clicked)
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self.refresh()

    def refresh(self) -> None:
        """Show who is signed in and what the button does."""
        state = sign_in_state()
        account, signed_in = state.account, state.signed_in
        self.label.setText(
            f"Signed in as {account}" if account else "Signed in" if signed_in else "Not signed in"
        )
        self.button.setText("Sign &out" if signed_in else "Sign &in with Google")
        self.button.setToolTip(
            "Forget the Google sign-in" if signed_in else "Open the browser to sign in to Google Sheets"
        )

    def _clicked(self) -> None:
        if sign_in_state().signed_in:
            self._sign_out()
            return
        self.button.setEnabled(False)
        self.label.setText("Waiting for the browser sign-in…")

        def done(_value: object) -> None:
            self.button.setEnabled(True)
            self.refresh()

        def failed(error: BaseException) -> None:
            self.button.setEnabled(True)
            self.label.setText(first_line(error, "Sign-in failed."))

        # No client file named: sign-in uses the configured one (the settings' or the organisation's);
        # naming it would have the sign-in write it into the settings, behind the store's back.
        run_task(lambda _ctx: sign_in(), on_result=done, on_error=failed, owner=self)

    def _sign_out(self) -> None:
        """Withdraw the access at Google (a network call, so on a worker) and forget the token."""
        self.button.setEnabled(False)
        self.label.setText("Signing out…")

        def done(result: SignOut) -> None:
            self.button.setEnabled(True)
            self.refresh()
            self.note.setText(result.message)
            self.note.setVisible(True)

        def failed(error: BaseException) -> None:
            self.button.setEnabled(True)
            self.refresh()
            self.label.setText(first_line(error, "Sign-out failed."))

        run_task(lambda _ctx: sign_out(), on_result=done, on_error=failed, owner=self)
