#!/usr/bin/env bash
# Install the .deb with apt as a user would, then run the installed program's --self-test on the
# native X11 platform (under Xvfb) with an organisation file in /etc/xdg/SimBatch, and remove it.
# Needs root (sudo) and xvfb-run. packaging/test_bundle.sh is the unprivileged check of the package.
# Usage: sudo packaging/linux/test_installed_deb.sh dist/simbatch_<version>_<arch>.deb
set -euo pipefail
DEB="$(realpath "${1:?usage: test_installed_deb.sh DEB}")"
ORG_DIR=/etc/xdg/SimBatch
SCRATCH="$(mktemp -d)"
fail() { echo "test-installed-deb: FAILED: $*" >&2; exit 1; }
cleanup() {
    rm -f "$ORG_DIR/simbatch-org.json"
    rm -rf "$SCRATCH"
}
trap cleanup EXIT

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$DEB" >/dev/null
command -v simbatch >/dev/null || fail "simbatch is not on the PATH after installing"
echo "test-installed-deb: ok: installed $(simbatch --version)"

mkdir -p "$ORG_DIR"
printf '%s\n' '{"scenario_tab": "Master Scenario Convert", "locked": ["scenario_tab"]}' >"$ORG_DIR/simbatch-org.json"
RESULT="$SCRATCH/result.json"
# No QT_QPA_PLATFORM: the native xcb platform must start, with its plugins and libraries.
env -u QT_QPA_PLATFORM HOME="$SCRATCH" PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    xvfb-run -a simbatch --self-test --self-test-result "$RESULT" || fail "simbatch --self-test exited with $?"
python3 - "$RESULT" <<'PY' || fail "the self-test result says it failed"
import json, sys
report = json.load(open(sys.argv[1]))
for check in report["checks"]:
    print(f"  {'ok' if check['passed'] else 'FAILED'} {check['name']}: {check['detail']}")
platform = next(c["detail"] for c in report["checks"] if c["name"] == "qt_platform")
org = next(c["detail"] for c in report["checks"] if c["name"] == "org_config")
assert platform.startswith("xcb"), platform
assert "/etc/xdg/SimBatch/simbatch-org.json" in org, org
sys.exit(0 if report["passed"] and report["frozen"] else 1)
PY
echo "test-installed-deb: ok: --self-test on xcb with the organisation file in $ORG_DIR"

apt-get remove -y -qq simbatch >/dev/null
[ ! -e /opt/simbatch/simbatch ] || fail "removing the package left /opt/simbatch/simbatch"
echo "test-installed-deb: all checks passed"
