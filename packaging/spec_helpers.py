"""What goes into the SimBatch bundle: pure helpers used by ``simbatch.spec`` and tested by pytest.

PyInstaller hooks collect generously (every Google discovery document, Qt libraries that plugins
happen to link); these helpers decide what the bundle actually keeps so it stays lean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath

#: The only Google API discovery document SimBatch uses (``build("sheets", "v4", static_discovery=True)``).
SHEETS_DISCOVERY_DOC = "sheets.v4.json"

_DISCOVERY_DIR = ("googleapiclient", "discovery_cache", "documents")

#: The programs of the bundle per system: (the command line, the windowed app or None). On macOS the
#: windowed program is the .app's main program, named as the issue and Finder expect
#: (``SimBatch.app/Contents/MacOS/SimBatch``, Info.plist's ``CFBundleExecutable``); the command line
#: beside it cannot be ``simbatch``, which the case-insensitive macOS file system takes for the same file.
PROGRAMS: dict[str, tuple[str, str | None]] = {
    "win32": ("simbatch", "simbatch-gui"),
    "darwin": ("simbatch-cli", "SimBatch"),
    "linux": ("simbatch", None),
}


def programs(platform: str) -> tuple[str, str | None]:
    """(command line, windowed app or None) program names for a ``sys.platform`` value."""
    return PROGRAMS.get(platform, PROGRAMS["linux"])

#: Modules imported by name only at run time (entry points, lazy imports) that analysis cannot see.
HIDDEN_IMPORTS: tuple[str, ...] = (
    # keyring finds its backends through entry points; each OS needs its own.
    "keyring.backends",
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.macOS.api",
    "secretstorage",
    "jeepney",
    "jeepney.io.blocking",
    # Charts for the cost and progress views (PySide6-Addons).
    "PySide6.QtCharts",
    # SVG icons: the renderer and the widgets the About dialog may use.
    "PySide6.QtSvg",
    "sqlite3",
    "certifi",
)

#: Packages for which the bundle keeps the distribution metadata (versions, licences, entry points).
METADATA_PACKAGES: tuple[str, ...] = (
    "simbatch",
    "keyring",
    "openai",
    "httpx2",
    "google-api-python-client",
    "google-auth",
    "google-auth-oauthlib",
    "google-auth-httplib2",
    "httplib2",
    "PySide6-Essentials",
    "PySide6-Addons",
    "shiboken6",
    "pydantic",
    "pydantic-core",
    "tenacity",
    "openpyxl",
    "platformdirs",
    "certifi",
    "SecretStorage",
    "jeepney",
)

#: Python modules the bundle never needs (Qt modules for web, 3D, multimedia, QML; test tools).
EXCLUDED_MODULES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "numpy",
    "pandas",
    "matplotlib",
    "IPython",
    "pytest",
    "hypothesis",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebChannel",
    "PySide6.QtWebSockets",
    "PySide6.QtWebView",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DRender",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DExtras",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtSpatialAudio",
    "PySide6.QtTextToSpeech",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtLocation",
    "PySide6.QtPositioning",
    "PySide6.QtBluetooth",
    "PySide6.QtNfc",
    "PySide6.QtSensors",
    "PySide6.QtSerialPort",
    "PySide6.QtSerialBus",
    "PySide6.QtRemoteObjects",
    "PySide6.QtScxml",
    "PySide6.QtDataVisualization",
    "PySide6.QtGraphs",
    "PySide6.QtGraphsWidgets",
    "PySide6.QtHttpServer",
    "PySide6.QtAxContainer",
)

#: Qt shared libraries dropped even when some plugin links them (web engine, 3D, multimedia, QML, ...).
_EXCLUDED_QT_LIBS = re.compile(
    r"Qt6?(WebEngine|WebView|WebChannel|WebSockets|3D|Multimedia|SpatialAudio|TextToSpeech|Qml|Quick|"
    r"Designer|UiTools|Pdf|Location|Positioning|Bluetooth|Nfc|Sensors|Serial|RemoteObjects|Scxml|"
    r"DataVisualization|Graphs|HttpServer|ShaderTools|VirtualKeyboard|Lottie)",
    re.IGNORECASE,
)

#: Qt plugin folders that only serve excluded modules.
_EXCLUDED_PLUGIN_DIRS = frozenset(
    {
        "qmltooling",
        "multimedia",
        "sceneparsers",
        "renderers",
        "renderplugins",
        "geometryloaders",
        "position",
        "geoservices",
        "sensors",
        "texttospeech",
        "webview",
        "designer",
        "canbus",
        "virtualkeyboard",
        "qmllint",
        "qmlls",
    }
)

TocEntry = tuple[str, str, str]


def _parts(dest: str) -> tuple[str, ...]:
    return PurePath(dest.replace("\\", "/")).parts


def keep_data(dest: str) -> bool:
    """Whether a data file (its path inside the bundle) belongs in the bundle.

    Of googleapiclient's ~600 discovery documents only the Sheets v4 one is kept.
    """
    parts = _parts(dest)
    for start in range(len(parts) - len(_DISCOVERY_DIR)):
        if parts[start : start + len(_DISCOVERY_DIR)] == _DISCOVERY_DIR:
            return parts[-1] == SHEETS_DISCOVERY_DOC
    return not _in_excluded_qt_part(parts)


def keep_binary(dest: str) -> bool:
    """Whether a shared library or Qt plugin (its path inside the bundle) belongs in the bundle."""
    parts = _parts(dest)
    return not _in_excluded_qt_part(parts) and not _EXCLUDED_QT_LIBS.search(parts[-1] if parts else "")


def _in_excluded_qt_part(parts: tuple[str, ...]) -> bool:
    """True for files under a Qt plugin folder or QML tree that only excluded modules use."""
    if "PySide6" not in parts:
        return False
    tail = parts[parts.index("PySide6") + 1 :]
    if not tail:
        return False
    if tail[0] == "qml" or (len(tail) > 1 and tail[:2] == ("Qt", "qml")):
        return True
    if "plugins" in tail:
        after = tail[tail.index("plugins") + 1 :]
        return bool(after) and after[0] in _EXCLUDED_PLUGIN_DIRS
    return False


def filter_datas(datas: Iterable[TocEntry]) -> list[TocEntry]:
    """The data entries of a PyInstaller TOC that ``keep_data`` keeps.

    Symbolic links to shared libraries also sit among the datas; they go with their library.
    """
    return [
        entry
        for entry in datas
        if keep_data(entry[0]) and (entry[2] != "SYMLINK" or keep_binary(entry[0]))
    ]


def filter_binaries(binaries: Iterable[TocEntry]) -> list[TocEntry]:
    """The binary entries of a PyInstaller TOC that ``keep_binary`` keeps."""
    return [entry for entry in binaries if keep_binary(entry[0])]
