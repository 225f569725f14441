"""``simbatch report``: the HTML page seen in a real headless Chromium, the PDF seen page by page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.journal import Journal
from tests.browser import chromium_print, chromium_screenshot, ink_share, pdf_pages
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import API_KEY
from tests.report_runs import finished_run

A4_AT_50_DPI = (414, 585)  # 210 x 297 mm at 50 dpi, as pdftoppm rounds it


@pytest.fixture(autouse=True)
def application(qapp: object) -> object:
    """pytest-qt's QApplication, made first: the command would otherwise make a QGuiApplication, and
    later widget tests in this process could not start."""
    return qapp


@pytest.fixture
def synthetic_run(simbatch_home: Path) -> str:
    with Journal.open() as journal:
        return finished_run(journal, 60, flagged=0.4, failed=0.05, conflicts=0.05)


def report(capsys: pytest.CaptureFixture[str], run_id: str, *options: str) -> tuple[int, str, str]:
    code = main(["report", run_id, *options])
    out, err = capsys.readouterr()
    return code, out, err


def colour_pixels(png: Path, rgb: tuple[int, int, int], top: int) -> int:
    """Pixels of exactly ``rgb`` in the first ``top`` rows of the screenshot."""
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(png))
    want = QColor(*rgb).rgb()
    return sum(1 for y in range(0, top, 4) for x in range(0, image.width(), 4) if image.pixel(x, y) == want)


def test_report_of_a_real_live_run_reads_only_the_journal(
    demo_copy: Path, simbatch_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    (simbatch_home / "settings.json").write_text(
        json.dumps({"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000})
    )
    with FakeOpenAI(api_key=API_KEY) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        assert main(["run", "--source", str(demo_copy), "--rows", "3-20", "--json"]) in (0, 1)
        run_id = json.loads(capsys.readouterr().out)["run_id"]
    demo_copy.unlink()  # offline, source gone: the report still comes from the journal
    html, pdf = tmp_path / "out" / "run.html", tmp_path / "out" / "run.pdf"
    html.parent.mkdir()
    code, _, err = report(capsys, run_id, "--html", str(html), "--pdf", str(pdf))
    assert code == 0, err
    page = html.read_text(encoding="utf-8")
    assert run_id in page and "What this run did" in page and "gpt-4o-mini" in page
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out, _ = report(capsys, run_id)
    assert code == 0 and "completed 18" in out and "127.0.0.1" in out


def test_html_is_self_contained_and_renders_in_chromium_without_console_errors(
    synthetic_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "report.html"
    assert report(capsys, synthetic_run, "--html", str(html))[0] == 0
    page = html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", page)
    assert "url(" not in page and "<script" not in page and "<link" not in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    with Journal.open() as journal:
        flagged = sum(1 for t in journal.tasks(synthetic_run) if t.status.value == "COMPLETED" and
                      any(w.startswith(tuple(t.result or {})) for w in t.warnings))  # fmt: skip
    assert len(sources) == 3 + flagged  # three charts and a monitor strip per flagged row

    look = chromium_screenshot(html, tmp_path / "report.png", 1280, 1800)
    assert look.console == [], look.console
    from PySide6.QtGui import QImage

    shot = QImage(str(look.screenshot))
    assert (shot.width(), shot.height()) == (1280, 1800)
    assert ink_share(look.screenshot) > 0.05
    # the first screen shows the headline box and the flagged and failed tiles
    assert colour_pixels(look.screenshot, (0xEE, 0xF4, 0xFF), 900) > 500
    assert colour_pixels(look.screenshot, (0xFF, 0xF8, 0xEB), 900) > 200
    assert colour_pixels(look.screenshot, (0xFD, 0xF0, 0xF0), 900) > 200


def test_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<html><body><p>x</p><script>console.error("boom"); missingFn();</script></body></html>')
    look = chromium_screenshot(page, tmp_path / "broken.png", 400, 300)
    assert "boom" in look.console and any("missingFn" in line for line in look.console)
    assert ink_share(look.screenshot) < 0.01  # a nearly empty page reads as blank


def test_pdf_pages_are_a4_and_none_is_blank(
    synthetic_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "report.pdf"
    code, _, err = report(capsys, synthetic_run, "--pdf", str(pdf))
    assert code == 0
    pages = int(re.search(r"\((\d+) pages\)", err).group(1))  # type: ignore[union-attr]
    images = pdf_pages(pdf, tmp_path / "pages")
    assert len(images) == pages >= 3
    from PySide6.QtGui import QImage

    for png in images:
        image = QImage(str(png))
        assert (image.width(), image.height()) == A4_AT_50_DPI
        assert ink_share(png) > 0.01, f"{png.name} is blank"


def test_html_prints_from_the_browser(
    synthetic_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "report.html"
    assert report(capsys, synthetic_run, "--html", str(html))[0] == 0
    printed = chromium_print(html, tmp_path / "printed.pdf")
    pages = pdf_pages(printed, tmp_path / "printed")
    assert len(pages) >= 2 and all(ink_share(p) > 0.01 for p in pages[:-1])
    assert ink_share(pages[-1]) > 0.0005  # the last page may hold only the end of the report


def test_report_usage_errors(synthetic_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = report(capsys, "r-unknown", "--html", str(tmp_path / "x.html"))
    assert code == 2 and "no run 'r-unknown'" in err
    code, _, err = report(capsys, synthetic_run, "--pdf", str(tmp_path / "missing" / "x.pdf"))
    assert code == 2 and "does not exist" in err
    code, _, err = report(capsys, synthetic_run, "--html", str(tmp_path))
    assert code == 2 and "is a folder" in err
