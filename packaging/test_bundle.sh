#!/usr/bin/env bash
# Smoke-test the Debian package: unpack it into a scratch root and run the installed program there,
# with a clean environment (no virtualenv, no PYTHONPATH), as a user would.
# Usage: packaging/test_bundle.sh [path/to/simbatch_X_arch.deb]    (default: the newest in dist/)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck disable=SC2012  # our own file names; ls -t picks the newest build
DEB="${1:-$(ls -t "$ROOT"/dist/simbatch_*.deb 2>/dev/null | head -n1)}"
test -f "$DEB" || { echo "No .deb found: run 'make bundle' first." >&2; exit 2; }
VERSION="$(dpkg-deb -f "$DEB" Version)"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/simbatch-deb-test.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
dpkg -x "$DEB" "$SCRATCH/root"
APP="$SCRATCH/root/opt/simbatch/simbatch"
fail() { echo "test-bundle: FAILED: $*" >&2; exit 1; }
pass() { echo "test-bundle: ok: $*"; }

# The package layout: program under /opt, a command on the PATH, a menu entry with its icon.
[ -x "$APP" ] || fail "the package has no /opt/simbatch/simbatch"
[ "$(readlink "$SCRATCH/root/usr/bin/simbatch")" = "/opt/simbatch/simbatch" ] \
    || fail "/usr/bin/simbatch does not point to /opt/simbatch/simbatch"
DESKTOP="$SCRATCH/root/usr/share/applications/simbatch.desktop"
grep -qx "Icon=simbatch" "$DESKTOP" || fail "the desktop entry has no Icon=simbatch"
grep -qx "Exec=simbatch %f" "$DESKTOP" || fail "the desktop entry does not run simbatch"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$DESKTOP" || fail "the desktop entry is not valid"
fi
for size in 16 32 48 128 256 512; do
    [ -s "$SCRATCH/root/usr/share/icons/hicolor/${size}x${size}/apps/simbatch.png" ] \
        || fail "no ${size}px icon in the hicolor theme"
done
pass "package layout (/opt/simbatch, /usr/bin/simbatch, desktop entry, icons)"

# Run with a bare environment so nothing from the build machine's Python can help.
HOME_DIR="$SCRATCH/home"
mkdir -p "$HOME_DIR"
run() {
    env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" SIMBATCH_HOME="$HOME_DIR/data" LANG=C.UTF-8 \
        PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring "$@"
}

out="$(run "$APP" --version)" || fail "simbatch --version exited with $?"
[ "$out" = "simbatch $VERSION" ] || fail "simbatch --version printed '$out', expected 'simbatch $VERSION'"
pass "simbatch --version prints '$out'"

DEMO="$SCRATCH/root/opt/simbatch/_internal/resources/demo/scenarios.xlsx"
[ -f "$DEMO" ] || fail "the demo workbook is not in the bundle"
cp "$DEMO" "$SCRATCH/demo.xlsx"
set +e
run "$APP" validate --source "$SCRATCH/demo.xlsx" --rows all --json >"$SCRATCH/validate.json" 2>"$SCRATCH/validate.err"
code=$?
set -e
# Exit 1 is expected: the demo workbook has planted critical problems.
[ "$code" = 1 ] || fail "simbatch validate exited with $code: $(cat "$SCRATCH/validate.err")"
"${PYTHON:-python3}" - "$SCRATCH/validate.json" <<'PY' || fail "simbatch validate printed unexpected JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
summary = doc["summary"]
assert summary["rows"] == len(doc["rows"]) == 48, summary
assert summary["critical"] > 0, summary
assert any(i["code"] == "out_of_range" for r in doc["rows"] for i in r["issues"])
print(f"test-bundle: ok: simbatch validate: {summary['rows']} rows, {summary['critical']} critical")
PY

run env QT_QPA_PLATFORM=offscreen SIMBATCH_HOME="$HOME_DIR/selftest-data" "$APP" --self-test \
    --self-test-result "$SCRATCH/selftest.json" >"$SCRATCH/selftest.out" 2>"$SCRATCH/selftest.err" \
    || fail "simbatch --self-test: $(grep -h FAILED "$SCRATCH/selftest.err" || cat "$SCRATCH/selftest.err")"
grep -q "launch to main window shown" "$SCRATCH/selftest.out" || fail "simbatch --self-test printed no timing"
cat "$SCRATCH/selftest.out"
"${PYTHON:-python3}" - "$SCRATCH/selftest.json" <<'PY' || fail "the self-test result file does not say every check passed"
import json, sys
report = json.load(open(sys.argv[1]))
names = [check["name"] for check in report["checks"]]
assert report["passed"] and report["frozen"], report
assert all(check["passed"] for check in report["checks"]), report
assert {"window", "qt_platform", "image_formats", "icons", "tls", "keyring", "sheets_discovery", "org_config"} <= set(names)
PY
[ -z "$(ls -A "$HOME_DIR/selftest-data" 2>/dev/null)" ] || fail "the self-test left files in the data folder"
pass "simbatch --self-test from the installed files"
echo "test-bundle: all checks passed for $(basename "$DEB")"
