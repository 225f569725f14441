"""The offline banner: a warning strip above the rows while the source cannot be reached, with Retry."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle

from desktop.app.rows import Loaded


class OfflineBanner(QFrame):
    """Says since when the rows shown date and why the source could not be reached; ``retry_button``
    asks to try again."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(20, 20))
        self.label = QLabel("")
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Try to reach the source again")
        layout = QHBoxLayout(self)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        self.setVisible(False)

    def show_loaded(self, loaded: Loaded) -> None:
        """Show the banner for rows from the cached copy; hide it for a reachable source."""
        if not loaded.offline:
            self.setVisible(False)
            return
        when = (loaded.cached_at or "an earlier session")[:16].replace("T", " ")
        self.label.setText(
            f"Offline — showing the copy from {when}. Changes are disabled until "
            f"the source can be reached again. ({loaded.error})"
        )
        self.setVisible(True)
