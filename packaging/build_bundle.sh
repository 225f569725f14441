#!/usr/bin/env bash
# Build the one-folder app with PyInstaller from packaging/simbatch.spec: dist/simbatch/ on every
# system (plus dist/SimBatch.app on macOS), then check that it holds the programs and report its size.
# Usage: packaging/build_bundle.sh          (from anywhere; PYTHON defaults to the repository's .venv)
# Runs on Linux, macOS and Windows (Git Bash), locally and in .github/workflows/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MAX_MB="${SIMBATCH_MAX_BUNDLE_MB:-250}"
case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) PY="${PYTHON:-$ROOT/.venv/Scripts/python.exe}" ;;
    *) PY="${PYTHON:-$ROOT/.venv/bin/python}" ;;
esac
cd "$ROOT"
# Reproducible builds: a fixed hash seed (PyInstaller's advice: it orders its archives and the
# compiled code by it) and the last commit's time for every timestamp, not the time of the build.
export PYTHONHASHSEED="${PYTHONHASHSEED:-1}"
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller is missing: run '$PY -m pip install -e .[bundle]' first." >&2
    exit 2
fi

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/simbatch.spec

# The programs each system's bundle holds (packaging/spec_helpers.py PROGRAMS): the command line, and
# on Windows and macOS the windowed app, which is the .app's main program on macOS.
BUNDLE="$ROOT/dist/simbatch"
case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) PROGRAMS="simbatch.exe simbatch-gui.exe" ;;
    Darwin) PROGRAMS="simbatch-cli SimBatch" ;;
    *) PROGRAMS="simbatch" ;;
esac
for program in $PROGRAMS; do
    test -x "$BUNDLE/$program" || { echo "The bundle has no $program program." >&2; exit 1; }
done
if [ "$(uname -s)" = Darwin ]; then
    test -x "$ROOT/dist/SimBatch.app/Contents/MacOS/SimBatch" \
        || { echo "PyInstaller did not produce dist/SimBatch.app." >&2; exit 1; }
fi
size_mb=$(du -sm "$BUNDLE" | cut -f1)
echo "Bundle: $BUNDLE"
echo "Bundle size: ${size_mb} MB (target under ${MAX_MB} MB)"
if ((size_mb >= MAX_MB)); then
    echo "The bundle is over the ${MAX_MB} MB target." >&2
    exit 1
fi
