"""The platform checks of ``simbatch --self-test``: what a frozen app most often lacks.

Each check returns a ``Check`` (name, passed, one-line detail). They run inside the bundle on the
build machine and after a silent install, so a missing Qt plugin, CA bundle, keyring backend or
discovery document fails the build instead of a user's first sign-in.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

#: The Qt platform plugin each system should start with when nothing forces another one.
NATIVE_PLATFORMS: dict[str, frozenset[str]] = {
    "win32": frozenset({"windows"}),
    "darwin": frozenset({"cocoa"}),
    "linux": frozenset({"xcb", "wayland", "wayland-egl"}),
}
#: Styles that mean the native look was found (a missing style plugin falls back to "windows" or "fusion").
NATIVE_STYLES: dict[str, frozenset[str]] = {
    "win32": frozenset({"windows11", "windowsvista"}),
    "darwin": frozenset({"macos"}),
}
#: Image formats the app reads: its PNG and SVG icons, and the Windows .ico.
REQUIRED_IMAGE_FORMATS = ("png", "svg", "ico")
#: keyring backends that store nothing.
_NO_STORE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")
#: The keyring backend module each system needs in the bundle.
_NATIVE_KEYRING = {
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
    "linux": "keyring.backends.SecretService",
}


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check."""

    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """For the JSON result file."""
        return asdict(self)


def _platform_key() -> str:
    return "linux" if sys.platform.startswith("linux") else sys.platform


def check_qt_platform() -> Check:
    """The native platform plugin started (unless ``QT_QPA_PLATFORM`` asks for another)."""
    from PySide6.QtGui import QGuiApplication

    name = QGuiApplication.platformName()
    forced = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if forced:
        return Check("qt_platform", name == forced, f"{name} (QT_QPA_PLATFORM={forced})")
    wanted = NATIVE_PLATFORMS.get(_platform_key(), frozenset())
    ok = name in wanted if wanted else bool(name)
    return Check("qt_platform", ok, f"{name} (expected one of {', '.join(sorted(wanted)) or 'any'})")


def check_style() -> Check:
    """The application style is the system's own (its plugin is in the bundle)."""
    from PySide6.QtWidgets import QApplication, QStyleFactory

    style = QApplication.style()
    name = style.name() if style is not None else ""
    wanted = NATIVE_STYLES.get(_platform_key())
    forced = bool(os.environ.get("QT_QPA_PLATFORM"))  # offscreen has no native look to find
    ok = bool(name) and (forced or wanted is None or name.lower() in wanted)
    return Check("style", ok, f"{name or 'none'} (available: {', '.join(QStyleFactory.keys())})")


def check_image_formats() -> Check:
    """Qt can read the image formats the app's icons use."""
    from PySide6.QtGui import QImageReader

    formats = {bytes(f.data()).decode().lower() for f in QImageReader.supportedImageFormats()}
    missing = [f for f in REQUIRED_IMAGE_FORMATS if f not in formats]
    detail = f"missing {', '.join(missing)}" if missing else f"{', '.join(REQUIRED_IMAGE_FORMATS)} readable"
    return Check("image_formats", not missing, detail)


def check_icons() -> Check:
    """Every icon the app ships renders (the SVG through the SVG icon engine)."""
    from PySide6.QtGui import QIcon, QPixmap

    from desktop.paths import resource

    folder = resource("icons")
    files = sorted(p for p in folder.glob("simbatch*") if p.suffix in {".png", ".svg", ".ico"})
    broken = []
    for path in files:
        if path.suffix == ".svg":
            ok = not QIcon(str(path)).pixmap(32, 32).isNull()
        else:
            ok = not QPixmap(str(path)).isNull()
        if not ok:
            broken.append(path.name)
    if not files:
        return Check("icons", False, f"no icons in {folder}")
    detail = f"cannot render {', '.join(broken)}" if broken else f"{len(files)} icons render"
    return Check("icons", not broken, detail)


def check_tls() -> Check:
    """Python's ssl module works and certifi's CA bundle loads (every HTTPS call relies on it)."""
    import certifi

    try:
        context = ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError) as exc:
        return Check("tls", False, f"the CA bundle {certifi.where()} cannot be loaded: {exc}")
    authorities = context.cert_store_stats().get("x509_ca", 0)
    return Check("tls", authorities > 0, f"{ssl.OPENSSL_VERSION}; {authorities} CA certificates")


def check_keyring() -> Check:
    """The system's keyring backend is bundled, and on Windows and macOS it is the one in use."""
    import importlib

    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    native = _NATIVE_KEYRING.get(_platform_key())
    if native:
        try:
            importlib.import_module(native)
        except ImportError as exc:
            return Check("keyring", False, f"{native} is not in the bundle ({exc}); in use: {name}")
    stores_nothing = name.startswith(_NO_STORE_BACKENDS)
    chosen = bool(os.environ.get("PYTHON_KEYRING_BACKEND"))
    # Linux without a running Secret Service is normal on servers: the app keeps secrets per session.
    ok = not stores_nothing or chosen or _platform_key() == "linux"
    note = " (no secure store: secrets are kept for the session only)" if stores_nothing else ""
    return Check("keyring", ok, f"{name}{note}")


def check_sheets_discovery() -> Check:
    """The Sheets client builds offline from the bundled discovery document."""
    from google.auth.credentials import AnonymousCredentials
    from googleapiclient.discovery import build

    try:
        service = build(
            "sheets", "v4", credentials=AnonymousCredentials(), static_discovery=True, cache_discovery=False
        )
        service.spreadsheets().values().batchUpdate  # noqa: B018 - the method must exist
        service.close()
    except Exception as exc:
        return Check("sheets_discovery", False, f"{type(exc).__name__}: {exc}")
    return Check("sheets_discovery", True, "sheets v4 built from the bundled document")


def check_org_config() -> Check:
    """The organisation file, when there is one, is valid; the detail says where settings come from."""
    from desktop.errors import SimBatchError
    from desktop.org_config import config_source

    try:
        return Check("org_config", True, config_source())
    except SimBatchError as exc:
        return Check("org_config", False, str(exc))


#: Every check, in the order the self-test runs them (after the main window was shown).
CHECKS: tuple[Callable[[], Check], ...] = (
    check_qt_platform,
    check_style,
    check_image_formats,
    check_icons,
    check_tls,
    check_keyring,
    check_sheets_discovery,
    check_org_config,
)


def run_checks() -> list[Check]:
    """Run every check; an unexpected exception fails that check only."""
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as exc:
            name = check.__name__.removeprefix("check_")
            results.append(Check(name, False, f"{type(exc).__name__}: {exc}"))
    return results
