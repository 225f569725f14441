"""Look at a page the way a user does: headless Chromium takes a screenshot and reports the page's
console; poppler's ``pdftoppm`` turns PDF pages into PNGs. Tests skip (with the reason) only when the
program is not installed (``.ci/run`` installs both)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Chromium writes each console message of the page as ``...:CONSOLE:<line>] "<text>", source: <url>``.
CONSOLE_LINE = re.compile(r':CONSOLE(?:\(\d+\)|:\d+)\] "(?P<text>.*)", source: (?P<source>.*)$')
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


def require_program(names: tuple[str, ...], package: str) -> str:
    """The first of ``names`` on PATH, or skip the test saying what to install."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"{names[0]} is not installed (apt-get install {package}; .ci/run does it)")


@dataclass(frozen=True)
class PageLook:
    """A screenshot of a page and what its console said."""

    screenshot: Path
    console: list[str]


def chromium_screenshot(page: Path, out: Path, width: int = 1280, height: int = 1800) -> PageLook:
    """Open ``page`` in headless Chromium (a fresh profile), save a screenshot, collect console lines."""
    binary = require_program(CHROMIUM_NAMES, "chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        done = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--screenshot={out}", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    console = [m.group("text") for line in done.stderr.splitlines() if (m := CONSOLE_LINE.search(line))]
    assert out.exists(), f"Chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    return PageLook(out, console)


def chromium_print(page: Path, out: Path) -> Path:
    """Print ``page`` to PDF with Chromium (what the browser's Print does)."""
    binary = require_program(CHROMIUM_NAMES, "chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
             page.resolve().as_uri()],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    assert out.exists(), "Chromium printed no PDF"
    return out


def pdf_pages(pdf: Path, out_dir: Path, dpi: int = 50) -> list[Path]:
    """Every page of ``pdf`` as a PNG (``pdftoppm``), in page order."""
    binary = require_program(("pdftoppm",), "poppler-utils")
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([binary, "-r", str(dpi), "-png", str(pdf), str(out_dir / "page")], check=True, timeout=180)
    return sorted(out_dir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def ink_share(png: Path) -> float:
    """The share of pixels that are not (nearly) white: 0 for a blank page."""
    from PySide6.QtGui import QImage

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    assert not image.isNull(), f"{png} is not an image"
    width, height = image.width(), image.height()
    row_bytes = image.bytesPerLine()
    data = bytes(image.constBits())  # type: ignore[call-overload]
    inked = sum(
        1 for y in range(0, height, 2) for v in data[y * row_bytes : y * row_bytes + width : 2] if v < 235
    )
    return inked / ((height + 1) // 2 * ((width + 1) // 2))
