#!/usr/bin/env bash
# Sign dist/SimBatch.app for notarisation: every Mach-O file inside, innermost first, then the app,
# with the hardened runtime, a secure timestamp and the entitlements in entitlements.plist (only
# what the Python runtime needs). The signing identity must be in the keychain.
# Usage: packaging/macos/sign_app.sh "Developer ID Application: Name (TEAMID)"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
IDENTITY="${1:?usage: sign_app.sh IDENTITY}"
APP="$ROOT/dist/SimBatch.app"
ENTITLEMENTS="$ROOT/packaging/macos/entitlements.plist"
test -d "$APP" || { echo "No $APP: run packaging/build_bundle.sh first." >&2; exit 2; }

sign() {
    codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" --sign "$IDENTITY" "$@"
}

# Deepest paths first, so a framework or the app is signed after what it contains.
count=0
while IFS= read -r file; do
    if file -b "$file" | grep -q "Mach-O"; then
        sign "$file"
        count=$((count + 1))
    fi
done < <(find "$APP/Contents" -type f | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
sign "$APP"
echo "Signed $count Mach-O files and the app."
codesign --verify --deep --strict --verbose=2 "$APP"
codesign --display --entitlements - "$APP"
