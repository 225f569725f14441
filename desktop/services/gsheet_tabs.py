"""The tabs of one Google Sheet as last fetched: looked up by title, re-fetched when one is missing,
added, and grown when a write goes past a tab's last row."""

from __future__ import annotations

from desktop.services.sheets import SheetsGateway, TabInfo


class SheetTabs:
    """A cache of a spreadsheet's tab metadata (one metadata call until it is forgotten)."""

    def __init__(self, gateway: SheetsGateway) -> None:
        self.gateway = gateway
        self._tabs: dict[str, TabInfo] | None = None

    def by_title(self, refresh: bool = False) -> dict[str, TabInfo]:
        """Every tab by title, fetched when not cached or when ``refresh``."""
        if self._tabs is None or refresh:
            self._tabs = {tab.title: tab for tab in self.gateway.metadata()}
        return self._tabs

    def info(self, title: str, refresh_if_missing: bool = False) -> TabInfo | None:
        """A tab's info from the cached metadata; re-fetched once when missing (someone may have
        added the tab since) if ``refresh_if_missing``."""
        cached = self._tabs is not None
        tabs = self.by_title()
        if title not in tabs and refresh_if_missing and cached:
            tabs = self.by_title(refresh=True)
        return tabs.get(title)

    def forget(self) -> None:
        """Drop the cache: the next lookup fetches the metadata again."""
        self._tabs = None

    def add(self, title: str) -> TabInfo:
        """Add a tab to the spreadsheet and to the cache."""
        info = self.gateway.add_sheet(title)
        self.by_title()[title] = info
        return info

    def grow(self, info: TabInfo, needed_rows: int) -> None:
        """Add rows to a tab's grid so that row ``needed_rows`` exists (in steps of 1,000)."""
        extra = max(needed_rows - info.rows, 1000)
        self.gateway.append_rows(info.sheet_id, extra)
        grown = TabInfo(info.title, info.sheet_id, info.rows + extra, info.columns)
        self.by_title()[info.title] = grown
