"""The installed Qt binding survives the signal traffic of a long run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

EMITS = 200_000  # a run of a few thousand rows emits this many signals

PROGRAM = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        bare = Signal()
        carrying = Signal(object)

    app = QCoreApplication([])
    emitter = Emitter()
    emitter.carrying.connect(lambda _value: None)
    before = sys.getrefcount(True)
    for number in range({EMITS} // 2):
        emitter.bare.emit()
        emitter.carrying.emit(number)
    print(before, sys.getrefcount(True))
    """
)


def test_emitting_signals_keeps_the_references_to_true() -> None:
    """PySide6 6.12.0 loses one reference to ``True`` per ``emit()``; on Python 3.11 the process then
    aborts with "bool_dealloc" partway through a long run. Run in a child so a crash fails only this test."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-800:]
    before, after = (int(n) for n in done.stdout.split())
    assert after >= before - 100, f"references to True fell from {before} to {after}"
