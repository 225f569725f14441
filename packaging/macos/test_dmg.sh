#!/usr/bin/env bash
# Smoke-test a .dmg as a user gets it: attach it, check the Applications link, run the app's own
# program (the one Finder starts) with --self-test from the image, copy the app out as a drag to
# Applications does, run it again there with an organisation file in /Library/Application Support,
# and (when signed) let Gatekeeper assess it.
# Usage: packaging/macos/test_dmg.sh dist/SimBatch-<version>-<arch>.dmg VERSION [ARCH]
set -euo pipefail
DMG="${1:?usage: test_dmg.sh DMG VERSION [ARCH]}"
VERSION="${2:?usage: test_dmg.sh DMG VERSION [ARCH]}"
ARCH="${3:-$(uname -m)}"
SCRATCH="$(mktemp -d)"
MOUNT="$SCRATCH/mount"
ORG_DIR="/Library/Application Support/SimBatch"
fail() { echo "test-dmg: FAILED: $*" >&2; exit 1; }
pass() { echo "test-dmg: ok: $*"; }

retry_busy() {  # hdiutil attach/detach fail with "Resource busy" while the system still holds the image
    local attempt
    for attempt in 1 2 3 4 5; do
        if "$@" 2>"$SCRATCH/hdiutil.err"; then return 0; fi
        cat "$SCRATCH/hdiutil.err" >&2
        grep -q "Resource busy" "$SCRATCH/hdiutil.err" || return 1
        sleep $((attempt * 3))
    done
    return 1
}
cleanup() {
    [ -d "$MOUNT/SimBatch.app" ] && retry_busy hdiutil detach "$MOUNT" -force >/dev/null
    sudo rm -f "$ORG_DIR/simbatch-org.json"
    rm -rf "$SCRATCH"
}
trap cleanup EXIT

self_test() {  # PROGRAM NAME: run the program's self-test and print its checks
    local result="$SCRATCH/$2.json"
    "$1" --self-test --self-test-result "$result" || fail "$1 --self-test exited with $?"
    "${PYTHON:-python3}" - "$result" <<'PY' || fail "the self-test result of $1 says it failed"
import json, sys
report = json.load(open(sys.argv[1]))
for check in report["checks"]:
    print(f"  {'ok' if check['passed'] else 'FAILED'} {check['name']}: {check['detail']}")
print(f"  launch to window: {report['launch_to_window_sec']} s")
sys.exit(0 if report["passed"] and report["frozen"] else 1)
PY
}

mkdir -p "$MOUNT"
retry_busy hdiutil attach -nobrowse -readonly -noautoopen -mountpoint "$MOUNT" "$DMG" >/dev/null \
    || fail "hdiutil could not attach $DMG"
APP="$MOUNT/SimBatch.app"
[ "$(readlink "$MOUNT/Applications")" = /Applications ] || fail "the image has no Applications link"
plist="$APP/Contents/Info.plist"
[ "$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$plist")" = "$VERSION" ] \
    || fail "Info.plist does not carry version $VERSION"
main="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleExecutable' "$plist")"
[ "$main" = SimBatch ] || fail "the app's main program is $main, not SimBatch"
lipo -archs "$APP/Contents/MacOS/$main" | grep -qw "$ARCH" || fail "the app is not built for $ARCH"
pass "image layout, Info.plist version $VERSION, $ARCH build, main program $main"

[ "$("$APP/Contents/MacOS/simbatch-cli" --version)" = "simbatch $VERSION" ] || fail "simbatch-cli --version"
self_test "$APP/Contents/MacOS/$main" from-image
pass "--self-test from the mounted image"

INSTALLED="$SCRATCH/Applications/SimBatch.app"
mkdir -p "$SCRATCH/Applications"
ditto "$APP" "$INSTALLED"
sudo mkdir -p "$ORG_DIR"
printf '%s\n' '{"scenario_tab": "Master Scenario Convert", "locked": ["scenario_tab"]}' \
    | sudo tee "$ORG_DIR/simbatch-org.json" >/dev/null
self_test "$INSTALLED/Contents/MacOS/$main" installed
grep -q "$ORG_DIR/simbatch-org.json" "$SCRATCH/installed.json" || fail "the organisation file was not used"
pass "--self-test of the copied app, with the organisation file in $ORG_DIR"

if [ "${SIMBATCH_EXPECT_SIGNED:-false}" = true ]; then
    codesign --verify --deep --strict "$APP" || fail "the app's signature does not verify"
    spctl -a -vv "$APP" || fail "Gatekeeper rejects the app"
    pass "Gatekeeper accepts the signed, notarised app"
fi
echo "test-dmg: all checks passed for $(basename "$DMG")"
