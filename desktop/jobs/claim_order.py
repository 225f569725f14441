"""Which block a run on a shared sheet tries to claim next, so that colleagues who start together
spread over the sheet instead of racing for the same block each time."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from desktop.services.claims_tab import BlockState


def claim_order(
    candidates: Collection[int], states: Mapping[int, BlockState], last_claimed: int | None, own_id: str
) -> list[int]:
    """``candidates`` (blocks this run wants), the likeliest to be won first: the block after the one
    this run claimed last (its rows stay together); else the first block when nobody else holds
    anything; else the middle of the longest run of blocks nobody holds. Then the others in order.

    ``states`` are the claims as last read; ``own_id`` is this run's holder id."""
    ordered = sorted(candidates)
    free = [b for b in ordered if b not in states or not states[b].busy]
    first: int | None = None
    if last_claimed is not None and last_claimed + 1 in free:
        first = last_claimed + 1
    elif free and not any(s.busy and s.holder_id != own_id for s in states.values()):
        first = free[0]
    elif free:
        runs: list[list[int]] = []
        for block in free:
            if runs and runs[-1][-1] == block - 1:
                runs[-1].append(block)
            else:
                runs.append([block])
        longest = max(runs, key=len)
        first = longest[len(longest) // 2]
    return ordered if first is None else [first, *(b for b in ordered if b != first)]
