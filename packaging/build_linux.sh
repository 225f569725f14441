#!/usr/bin/env bash
# Build the one-folder Linux bundle (dist/simbatch/) with PyInstaller, then report its size.
# Usage: packaging/build_linux.sh            (from anywhere; uses the repository's .venv)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller is missing: run '$PY -m pip install -e .[bundle]' first." >&2
    exit 2
fi

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/simbatch.spec

BUNDLE="$ROOT/dist/simbatch"
test -x "$BUNDLE/simbatch" || { echo "The bundle has no simbatch executable." >&2; exit 1; }
size_mb=$(du -sm "$BUNDLE" | cut -f1)
echo "Bundle: $BUNDLE"
echo "Bundle size: ${size_mb} MB (target under 250 MB)"
if ((size_mb >= 250)); then
    echo "The bundle is over the 250 MB target." >&2
    exit 1
fi
