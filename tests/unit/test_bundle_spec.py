"""What the PyInstaller spec keeps in the bundle (packaging/spec_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_spec_helpers

helpers = load_spec_helpers()

DOCS = "googleapiclient/discovery_cache/documents"


def test_data_filter_keeps_only_the_sheets_v4_discovery_document() -> None:
    installed = Path(__import__("googleapiclient").__file__).parent / "discovery_cache" / "documents"
    names = sorted(p.name for p in installed.glob("*.json"))
    assert len(names) > 100  # the real package ships hundreds; the bundle needs one
    datas = [(f"{DOCS}/{name}", str(installed / name), "DATA") for name in names]
    datas += [
        ("resources/waveforms.json", "/src/resources/waveforms.json", "DATA"),
        ("certifi/cacert.pem", "/site/certifi/cacert.pem", "DATA"),
        ("googleapiclient/discovery_cache/__init__.py", "/site/x.py", "DATA"),
    ]

    kept = {dest for dest, _src, _kind in helpers.filter_datas(datas)}

    assert kept == {
        f"{DOCS}/sheets.v4.json",
        "resources/waveforms.json",
        "certifi/cacert.pem",
        "googleapiclient/discovery_cache/__init__.py",
    }


@pytest.mark.parametrize(
    "dest", [f"{DOCS}/sheets.v4.json", "googleapiclient\\discovery_cache\\documents\\sheets.v4.json"]
)
def test_sheets_document_is_kept_with_either_path_separator(dest: str) -> None:
    assert helpers.keep_data(dest)
    assert not helpers.keep_data(dest.replace("sheets.v4", "drive.v3"))


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6Charts.so.6", True),
        ("PySide6/Qt/lib/libQt6Svg.so.6", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/qwindows.dll", True),
        ("PySide6/Qt6WebEngineCore.dll", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/lib/libQt63DRender.so.6", False),
        ("PySide6/Qt/lib/libQt6Multimedia.so.6", False),
        ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", False),
        ("PySide6/Qt/plugins/qmltooling/libqmldbg_debugger.so", False),
    ],
)
def test_binary_filter_keeps_widgets_charts_and_plugins_but_not_web_3d_multimedia_qml(
    dest: str, kept: bool
) -> None:
    assert helpers.keep_binary(dest) is kept


def test_symlinks_to_dropped_libraries_are_dropped_too() -> None:
    datas = [
        ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
    ]
    assert [d[0] for d in helpers.filter_datas(datas)] == ["libQt6Core.so.6"]


def test_every_keyring_backend_and_the_ca_bundle_are_hidden_imports() -> None:
    for backend in ("Windows", "macOS", "SecretService", "libsecret", "kwallet"):
        assert f"keyring.backends.{backend}" in helpers.HIDDEN_IMPORTS
    assert "certifi" in helpers.HIDDEN_IMPORTS
    assert "PySide6.QtCharts" in helpers.HIDDEN_IMPORTS
    assert "PySide6.QtCharts" not in helpers.EXCLUDED_MODULES
    assert "PySide6.QtWebEngineCore" in helpers.EXCLUDED_MODULES
