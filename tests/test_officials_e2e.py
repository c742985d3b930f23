"""Issue 16 in a real browser: an official opens the dashboard of a generated intake of 120
applications, clicks a bar, lands on the queue filtered to it, and downloads the PDF, whose
pages are rendered to PNG (pdftoppm) and read back (pdftotext).

The same server as tests/test_web_e2e.py (waitress + whitenoise, SQLite or a new PostgreSQL
database); the intake is loaded straight into its store (tests/officials_data.py, no OCR)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.test_web_e2e import CHROMIUM, ROOT, _login, database_url, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.store, pytest.mark.slow]
N = 120


def _load_intake(data: Path, db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDCHECK_", "DATABASE_URL"))}
    env.update(CREDCHECK_DATA=str(data), PYTHONPATH=str(ROOT))
    if db_url:
        env["DATABASE_URL"] = db_url
    subprocess.run([sys.executable, "-c", (
        "from webapp.server import setup; setup(migrate=False)\n"
        "from pathlib import Path\n"
        "from tests.officials_data import generate\n"
        f"generate(Path({str(data)!r}), {N}, seed=16)\n"
    )], env=env, check=True, cwd=ROOT)  # fmt: skip


def test_an_official_opens_the_dashboard_follows_a_bar_and_downloads_the_pdf(
    server, database_url, tmp_path, capsys  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, data = server
    _load_intake(data, database_url)
    shots = Path(os.environ.get("CREDCHECK_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():
        print(f"\nscreenshots: {shots}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True,
                                  locale="zh-CN")  # fmt: skip
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        _login(page, url, "official")
        page.click("header nav >> text=概览")
        expect(page.locator("h1")).to_contain_text("新疆工匠-2025 概览")
        expect(page.locator("#k-applicants")).to_have_text(str(N))
        flagged = int(page.locator("#k-flagged").inner_text())
        assert 0 < flagged < N
        expect(page.locator("#compare")).to_contain_text("新疆工匠-2024")
        page.screenshot(path=str(shots / "o1-dashboard.png"), full_page=True)

        # A bar of the states chart: its number is the filtered queue's.
        bar = next(a for a in page.locator("#by-state svg a").all()
                   if "有疑点" in unquote(a.get_attribute("href") or ""))  # fmt: skip
        n = int(re.search(r"(\d+)", bar.locator("title").text_content().split("：")[1]).group(1))
        bar.click()
        page.wait_for_url(re.compile(r".*/\?intake=.*state=.*"))
        expect(page.locator("h1 small")).to_have_text(f"{n} 份")
        expect(page.locator("select[name=state]")).to_have_value("有疑点")
        assert set(page.locator("td .state").all_inner_texts()) == {"有疑点"}
        page.screenshot(path=str(shots / "o2-queue-filtered.png"))

        # A segment of the code × severity chart lands on those applications too.
        page.go_back()
        seg = page.locator("#by-code svg a").first
        href = unquote(seg.get_attribute("href"))
        seg.click()
        page.wait_for_url(re.compile(r".*code=.*severity=.*"))
        code = re.search(r"code=(\w+)", href).group(1)
        assert int(page.locator("h1 small").inner_text().split()[0]) > 0
        expect(page.locator("select[name=code]")).to_have_value(code)

        # The PDF.
        page.go_back()
        with page.expect_download() as dl:
            page.click("#pdf")
        pdf = tmp_path / "report.pdf"
        dl.value.save_as(pdf)
        browser.close()

    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(shots / "o3-pdf")], check=True)
    pngs = sorted(shots.glob("o3-pdf*.png"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    squashed = re.sub(r"\s+", "", text)
    for h in ("人才项目申报核查情况报告", "核查概况", "审核结论与误报率", "确认存在问题的申报",
              "多头申报名单", "与上一批次比较（新疆工匠-2024）", "核查方法", "审核签字"):  # fmt: skip
        assert h in text, h
    assert f"申报{N}份" in squashed and f"有疑点的申报{flagged}份" in squashed
    pages = re.findall(r"第(\d+)页/共(\d+)页", squashed)
    assert len(pngs) == len(pages) == int(pages[-1][1]) >= 4
    assert not re.search(r"65\d{4}(19|20)\d{2}[01]\d[0-3]\d{4}", squashed)  # IDs masked
