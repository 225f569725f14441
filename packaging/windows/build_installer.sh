#!/usr/bin/env bash
# Compile the Inno Setup installer dist/SimBatch-<version>-setup.exe from dist/simbatch/ (Windows,
# Git Bash). When SIMBATCH_SIGNTOOL (path of signtool.exe) and SIMBATCH_CERT_SHA1 (thumbprint of the
# code-signing certificate in the user's certificate store) are set, Inno Setup signs the installer
# and its uninstaller; otherwise both are unsigned.
# Usage: packaging/windows/build_installer.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY="${PYTHON:-python}"
TIMESTAMP_URL="${SIMBATCH_TIMESTAMP_URL:-http://timestamp.digicert.com}"
cd "$ROOT"

VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
test -x "dist/simbatch/simbatch-gui.exe" || { echo "No dist/simbatch/: run packaging/build_bundle.sh first." >&2; exit 2; }

ISCC="${ISCC:-$(command -v iscc || command -v ISCC || true)}"
if [ -z "$ISCC" ]; then
    for candidate in "/c/Program Files (x86)/Inno Setup 6/ISCC.exe" "/c/Program Files/Inno Setup 6/ISCC.exe"; do
        [ -x "$candidate" ] && ISCC="$candidate" && break
    done
fi
[ -n "$ISCC" ] || { echo "Inno Setup 6 (ISCC.exe) is not installed." >&2; exit 2; }

# Git Bash would turn the /D and /S switches into Windows paths.
export MSYS_NO_PATHCONV=1 MSYS2_ARG_CONV_EXCL="*"
args=("/DAppVersion=$VERSION" "/Qp")
if [ -n "${SIMBATCH_SIGNTOOL:-}" ] && [ -n "${SIMBATCH_CERT_SHA1:-}" ]; then
    # $q is a quote and $f the file to sign, filled in by Inno Setup. No password is involved:
    # the certificate sits in the store and is chosen by its thumbprint.
    sign="\$q${SIMBATCH_SIGNTOOL}\$q sign /sha1 ${SIMBATCH_CERT_SHA1} /fd sha256 /tr ${TIMESTAMP_URL} /td sha256 \$f"
    args+=("/DSignTool=simbatchsign" "/Ssimbatchsign=$sign")
    echo "The installer and uninstaller will be signed."
else
    echo "Building an unsigned installer."
fi
"$ISCC" "${args[@]}" "packaging\\windows\\simbatch.iss"

SETUP="dist/SimBatch-$VERSION-setup.exe"
test -f "$SETUP" || { echo "Inno Setup did not write $SETUP." >&2; exit 1; }
echo "Installer: $SETUP ($(du -sm "$SETUP" | cut -f1) MB)"
