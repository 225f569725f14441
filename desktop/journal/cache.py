"""The offline copy of a source's scenario rows, so the GUI can show the last read without a network."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.domain.models import Scenario
from desktop.journal.db import JournalPart, from_json, now_iso, to_json


class CachePart(JournalPart):
    """Scenario rows per source locator, replaced wholesale on each fresh read."""

    def cache_scenarios(self, locator: str, scenarios: Sequence[Scenario]) -> None:
        """Replace the cached rows of ``locator`` with ``scenarios``."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.execute("DELETE FROM source_cache WHERE locator = ?", (locator,))
            conn.executemany(
                "INSERT OR REPLACE INTO source_cache (locator, row, case_id, title, payload, fetched_at)"
                " VALUES (?,?,?,?,?,?)",
                (
                    (
                        locator,
                        s.row,
                        s.case_id,
                        s.title,
                        to_json({"vitals": s.vitals, "context": s.context}),
                        stamp,
                    )
                    for s in scenarios
                ),
            )

    def cached_scenarios(self, locator: str) -> list[Scenario]:
        """The cached rows of ``locator`` in row order (empty when never cached)."""
        rows = self._store.rows(
            "SELECT row, case_id, title, payload FROM source_cache WHERE locator = ? ORDER BY row", (locator,)
        )
        result = []
        for r in rows:
            payload = from_json(r["payload"], {})
            result.append(
                Scenario(
                    row=r["row"],
                    case_id=r["case_id"],
                    title=r["title"],
                    vitals=dict(payload.get("vitals", {})),
                    context=dict(payload.get("context", {})),
                )
            )
        return result

    def cache_fetched_at(self, locator: str) -> str | None:
        """When ``locator`` was last cached, or None."""
        found = self._store.one("SELECT MAX(fetched_at) AS t FROM source_cache WHERE locator = ?", (locator,))
        return found["t"] if found else None
