#!/usr/bin/env bash
# Package dist/simbatch/ as a Debian package: the app under /opt/simbatch, /usr/bin/simbatch,
# a desktop entry and the icon in the hicolor theme. Prints the path of the .deb it wrote.
# Usage: packaging/make_deb.sh               (after packaging/build_bundle.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
BUNDLE="$ROOT/dist/simbatch"
test -x "$BUNDLE/simbatch" || { echo "No bundle in $BUNDLE: run packaging/build_bundle.sh first." >&2; exit 2; }

# The last commit's time: dpkg-deb clamps every file's time to it, so the same bundle gives the same .deb.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("'"$ROOT"'/pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture)"
STAGE="$ROOT/build/deb/simbatch_${VERSION}_${ARCH}"
OUT="$ROOT/dist/simbatch_${VERSION}_${ARCH}.deb"

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"
cp -a "$BUNDLE" "$STAGE/opt/simbatch"
ln -s /opt/simbatch/simbatch "$STAGE/usr/bin/simbatch"
install -m 0644 "$ROOT/packaging/linux/simbatch.desktop" "$STAGE/usr/share/applications/simbatch.desktop"
for size in 16 24 32 48 64 128 256 512; do
    dir="$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    install -m 0644 "$ROOT/resources/icons/simbatch-${size}.png" "$dir/simbatch.png"
done
mkdir -p "$STAGE/usr/share/icons/hicolor/scalable/apps"
install -m 0644 "$ROOT/resources/icons/simbatch.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/simbatch.svg"

installed_kb=$(du -sk "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: simbatch
Version: ${VERSION}
Section: science
Priority: optional
Architecture: ${ARCH}
Maintainer: SimBatch maintainers <simbatch@localhost>
Installed-Size: ${installed_kb}
Depends: libc6, libglib2.0-0 | libglib2.0-0t64, libfontconfig1, libxkbcommon0, libegl1, libgl1, libdbus-1-3
Recommends: libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, gnome-keyring | kwalletmanager
Description: Validate, complete and enrich medical-simulation scenario vitals
 SimBatch checks the patient-monitor vitals of simulation scenarios kept in
 Google Sheets or Excel workbooks, fills gaps with clinical defaults and has
 an LLM generate missing vitals. Includes the simbatch command line.
CONTROL
cat > "$STAGE/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
POSTINST
cp "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
sed -i 's/"configure"/"remove"/' "$STAGE/DEBIAN/postrm"
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"

# --root-owner-group: files belong to root in the package, whoever builds it (no fakeroot needed).
dpkg-deb --root-owner-group --build "$STAGE" "$OUT" >/dev/null
echo "Debian package: $OUT ($(du -sm "$OUT" | cut -f1) MB)"
