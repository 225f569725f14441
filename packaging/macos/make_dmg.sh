#!/usr/bin/env bash
# Build SimBatch.app and wrap it in a compressed .dmg with an Applications link (macOS only).
# Signing and notarisation run when their variables are set (see packaging/README.md):
#   SIMBATCH_SIGN_IDENTITY="Developer ID Application: Name (TEAMID)"
#   SIMBATCH_NOTARY_PROFILE=<keychain profile made with `xcrun notarytool store-credentials`>
# Usage: packaging/macos/make_dmg.sh        (from anywhere; uses the repository's .venv)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
[ "$(uname -s)" = Darwin ] || { echo "make_dmg.sh runs on macOS only." >&2; exit 2; }

VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/simbatch.spec
APP="$ROOT/dist/SimBatch.app"
test -d "$APP" || { echo "PyInstaller did not produce $APP." >&2; exit 1; }

if [ -n "${SIMBATCH_SIGN_IDENTITY:-}" ]; then
    codesign --force --deep --timestamp --options runtime \
        --entitlements "$ROOT/packaging/macos/entitlements.plist" \
        --sign "$SIMBATCH_SIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
else
    echo "SIMBATCH_SIGN_IDENTITY is not set: the app is not signed (Gatekeeper will warn users)."
fi

# Smoke test the built app before shipping it.
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/simbatch" --version
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/simbatch" --self-test

DMG="$ROOT/dist/SimBatch-$VERSION.dmg"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "SimBatch $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"

if [ -n "${SIMBATCH_SIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$SIMBATCH_SIGN_IDENTITY" "$DMG"
fi
if [ -n "${SIMBATCH_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$SIMBATCH_NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
fi
echo "Disk image: $DMG"
