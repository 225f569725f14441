"""Run one function on several threads at once and collect what they raised."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def run_in_threads(
    target: Callable[..., object], argument_lists: Iterable[Sequence[Any]], *, timeout: float | None = None
) -> list[BaseException]:
    """Start ``target(*arguments)`` on a thread per entry, wait for all (each up to ``timeout``), and
    return the exceptions they raised, so a failure on a thread fails the test that asserts ``== []``."""
    errors: list[BaseException] = []

    def guarded(*arguments: Any) -> None:
        try:
            target(*arguments)
        except BaseException as exc:  # collected and returned
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=tuple(arguments)) for arguments in argument_lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
