"""The offer to take over a colleague's rows on a shared Google Sheet when their SimBatch went silent.

A live run on a shared sheet waits for rows a colleague's SimBatch holds. When that holder shows no
sign of life for the lease time (asleep, crashed, off the network), the run says so here in plain words
and offers to do the rows on this computer — what ``--take-over`` does on the command line. Nothing is
taken over without the user's click; a colleague who comes back to life meanwhile keeps the rows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.gui.run.controller import RunController
from desktop.jobs.colleague_watch import StaleClaim


class TakeOverBar(QFrame):
    """Names the stale claims of the live run and offers to take their rows over (hidden otherwise)."""

    def __init__(self, controller: RunController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.claims: list[StaleClaim] = []
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("takeOverBar")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("&Take over these rows")
        self.button.setToolTip(
            "Do these rows on this computer. Only rows the colleague has not written are done, and "
            "their SimBatch can no longer write them once this computer has taken them over."
        )
        self.button.clicked.connect(self.take_over)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        controller.stale_claim.connect(self.offer)
        controller.finished.connect(self.withdraw)
        controller.failed.connect(self.withdraw)
        self.hide()

    def offer(self, stale: StaleClaim) -> None:
        """Add a stale claim to the offer and show it."""
        self.claims.append(stale)
        lines = [stale.describe() for stale in self.claims]
        lines.append(
            "This run waits for those rows. If that computer is really gone (asleep, switched off or off "
            "the network), take them over and do them here; rows it already wrote are kept."
        )
        self.text.setText("\n".join(lines))
        self.show()

    def take_over(self) -> None:
        """Accept: the run does the offered rows (and any other claim that goes stale later)."""
        if self.claims:  # accepting one takes over every stale claim of the run
            self.controller.take_over(self.claims[-1])
        self.withdraw()

    def withdraw(self, *_args: object) -> None:
        """Hide the offer (accepted, or the run ended)."""
        self.claims = []
        self.hide()
