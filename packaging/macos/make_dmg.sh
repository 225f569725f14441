#!/usr/bin/env bash
# Wrap dist/SimBatch.app (from packaging/build_bundle.sh, signed or not) in a compressed disk image
# with an Applications link to drag it onto: dist/SimBatch-<version>-<arch>.dmg (macOS only).
# hdiutil sometimes fails with "Resource busy" while Spotlight or another process still holds the
# image; that is retried.
# Usage: packaging/macos/make_dmg.sh        (prints the path of the .dmg as its last line)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
[ "$(uname -s)" = Darwin ] || { echo "make_dmg.sh runs on macOS only." >&2; exit 2; }

APP="$ROOT/dist/SimBatch.app"
test -d "$APP" || { echo "No $APP: run packaging/build_bundle.sh first." >&2; exit 2; }
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(uname -m)"
DMG="$ROOT/dist/SimBatch-$VERSION-$ARCH.dmg"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
# ditto keeps symbolic links, extended attributes and the code signature intact.
ditto "$APP" "$STAGE/SimBatch.app"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"

for attempt in 1 2 3 4 5; do
    if hdiutil create -volname "SimBatch $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG" \
        2>"$STAGE/.hdiutil.err"; then
        break
    fi
    cat "$STAGE/.hdiutil.err" >&2
    if ! grep -q "Resource busy" "$STAGE/.hdiutil.err" || [ "$attempt" = 5 ]; then
        echo "hdiutil could not create $DMG." >&2
        exit 1
    fi
    echo "hdiutil: resource busy; trying again ($attempt of 5)." >&2
    sleep $((attempt * 5))
done
echo "$DMG"
