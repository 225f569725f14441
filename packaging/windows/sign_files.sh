#!/usr/bin/env bash
# Sign Windows executables with signtool and check the signatures (Git Bash).
# Needs SIMBATCH_SIGNTOOL (path of signtool.exe) and SIMBATCH_CERT_SHA1 (thumbprint of the
# code-signing certificate imported into the user's certificate store; no password on any command line).
# Usage: packaging/windows/sign_files.sh FILE...
set -euo pipefail
: "${SIMBATCH_SIGNTOOL:?set SIMBATCH_SIGNTOOL to the path of signtool.exe}"
: "${SIMBATCH_CERT_SHA1:?set SIMBATCH_CERT_SHA1 to the certificate thumbprint}"
TIMESTAMP_URL="${SIMBATCH_TIMESTAMP_URL:-http://timestamp.digicert.com}"
(($#)) || { echo "Usage: $0 FILE..." >&2; exit 2; }
export MSYS_NO_PATHCONV=1 MSYS2_ARG_CONV_EXCL="*"

for attempt in 1 2 3; do
    # The timestamp server is occasionally unreachable; a retry is cheaper than a failed release.
    if "$SIMBATCH_SIGNTOOL" sign /sha1 "$SIMBATCH_CERT_SHA1" /fd sha256 /tr "$TIMESTAMP_URL" /td sha256 "$@"; then
        break
    fi
    [ "$attempt" = 3 ] && { echo "signtool failed three times." >&2; exit 1; }
    sleep $((attempt * 10))
done
"$SIMBATCH_SIGNTOOL" verify /pa /all "$@"
