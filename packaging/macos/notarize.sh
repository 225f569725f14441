#!/usr/bin/env bash
# Submit a signed .dmg to Apple's notary service, wait, staple the ticket and check it.
# Needs APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD (an app-specific password) in the environment.
# Usage: packaging/macos/notarize.sh dist/SimBatch-<version>-<arch>.dmg
set -euo pipefail
DMG="${1:?usage: notarize.sh DMG}"
: "${APPLE_ID:?}" "${APPLE_TEAM_ID:?}" "${APPLE_APP_PASSWORD:?}"
RESULT="$(mktemp)"
trap 'rm -f "$RESULT"' EXIT

xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait --timeout 45m --output-format json | tee "$RESULT"
field() { "${PYTHON:-python3}" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$RESULT" "$1"; }
status="$(field status || echo unknown)"
if [ "$status" != "Accepted" ]; then
    id="$(field id || true)"
    echo "Notarisation ended with status '$status'." >&2
    if [ -n "$id" ]; then
        xcrun notarytool log "$id" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
            --password "$APPLE_APP_PASSWORD" >&2 || true
    fi
    exit 1
fi
xcrun stapler staple "$DMG"
xcrun stapler validate "$DMG"
spctl -a -vv -t open --context context:primary-signature "$DMG"
