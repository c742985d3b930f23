"""The reviewers' web app end to end in a real browser, as a person uses it.

A real server (`python -m webapp.server`: waitress, whitenoise) on a free port and a fresh
data root, its database SQLite there, or a new PostgreSQL database when DATABASE_URL names a
server (the Makefile's PostgreSQL re-run). Debian's chromium driven by Playwright; the
uploaded packets are verified for real, each alone as it arrives, then the whole intake
(CREDCHECK_VERIFY=local: the verify-packet and verify-intake steps in a child process, no
Prefect server needed). With CREDCHECK_E2E_SERVE=1 the server is
`credcheck serve` itself (Prefect server, worker, deployments, the web app): the product
path, a few minutes longer. Screenshots go to the folder the test prints."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from pipelines.service import clean_env
from pipelines.service import free_port as _free_port

pytestmark = [pytest.mark.browser, pytest.mark.store, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "e2e-password-123"


@pytest.fixture
def database_url():
    """'' for SQLite in the data root, else a fresh database on DATABASE_URL's server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield ""
        return
    import psycopg

    name = f"credcheck_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server(tmp_path, database_url):
    data = tmp_path / "data"
    data.mkdir()
    serve = os.environ.get("CREDCHECK_E2E_SERVE") == "1"
    env = clean_env()
    env.update(CREDCHECK_DATA=str(data), PREFECT_HOME=str(tmp_path / "prefect"),
               PYTHONPATH=str(ROOT), CREDCHECK_VERIFY="deployment" if serve else "local",
               PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="1")  # fmt: skip
    if database_url:
        env["DATABASE_URL"] = database_url
    # The first admin as an operator makes it, then the users an admin would add.
    subprocess.run([sys.executable, "-m", "pipelines.cli", "createadmin", "--username", "admin"],
                   input=f"{PASSWORD}\n", text=True, env=env, check=True, cwd=ROOT)  # fmt: skip
    subprocess.run([sys.executable, "-c", (
        "from webapp.server import setup; setup(migrate=False)\n"
        "from django.contrib.auth.models import User, Group\n"
        f"for n, r in (('reviewer', '审核员'), ('official', '领导')):\n"
        f"    u = User.objects.create_user(n, password='{PASSWORD}'); u.groups.add(Group.objects.get(name=r))\n"
    )], env=env, check=True, cwd=ROOT)  # fmt: skip
    port = _free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    argv = (["-m", "pipelines.cli", "serve", "--data", str(data), "--port", str(port),
             "--prefect-port", str(_free_port())] if serve
            else ["-m", "webapp.server", "--port", str(port)])  # fmt: skip
    proc = subprocess.Popen([sys.executable, *argv], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/login/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "server.log").read_text()) from None
            time.sleep(0.5)
    try:
        yield url, data
    finally:
        proc.terminate()
        proc.wait(120)
        log.close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "batch"
    subprocess.run([sys.executable, "-m", "pipelines.cli", "synth-batch", str(out),
                    "--applicants", "4", "--seed", "3", "--workers", "1"],
                   check=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))  # fmt: skip
    truth = json.loads(Path(f"{out}.truth.json").read_text(encoding="utf-8"))
    return out, truth


def _login(page, url: str, user: str, password: str = PASSWORD) -> None:
    page.goto(url + "/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def _logout(page) -> None:
    page.click("header form button")
    page.wait_for_url(re.compile(r".*/login/.*"))


def test_a_reviewer_verifies_two_packets_and_an_official_downloads_the_report(
    server, batch, tmp_path, capsys
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, data = server
    folder, truth = batch
    flagged = next(a for a in truth["applicants"] if "LEVEL_OVERCLAIM" in a["expected_codes"])
    clear = next(a for a in truth["applicants"] if not a["expected_codes"])
    shots = Path(os.environ.get("CREDCHECK_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    with capsys.disabled():
        print(f"\n{version.strip()}; screenshots: {shots}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True,
                                  locale="zh-CN")  # fmt: skip
        page = ctx.new_page()
        page.set_default_timeout(30_000)

        # An anonymous visitor lands on the login page.
        page.goto(url + "/")
        expect(page).to_have_url(re.compile(r"/login/\?next=/$"))

        _login(page, url, "reviewer")
        page.click("text=申报批次")
        page.select_option("select[name=program]", "少数民族科技骨干特殊培养")
        page.fill("input[name=year]", "2025")
        page.click("#new-intake button")
        expect(page.locator("h1")).to_contain_text("少数民族科技骨干特殊培养-2025")
        intake_url = page.url

        # The declared table: preview, then confirm.
        page.set_input_files("#declared-form input[type=file]", str(folder / "declared.xlsx"))
        page.click("#declared-form button")
        n = len(truth["applicants"])
        expect(page.locator("#summary")).to_contain_text(f"读取 {n} 行")
        expect(page.locator("#headers")).to_contain_text("applicant_id")
        page.screenshot(path=str(shots / "1-import-preview.png"))
        page.click("#confirm-import")
        expect(page.locator(".messages")).to_contain_text(f"新增 {n} 人")

        # Two packets, each its files at once.
        for a in (flagged, clear):
            files = sorted(str(f) for f in (folder / "packets" / a["applicant_id"]).iterdir())
            page.fill("#packet-form input[name=applicant_id]", a["applicant_id"])
            page.set_input_files("#packet-form input[type=file]", files)
            page.click("#packet-form button")
            # This applicant's line: the last upload's result may read the same otherwise.
            expect(page.locator("#upload-result p")).to_contain_text(
                f"{a['applicant_id']}：新增 {len(files)}")  # fmt: skip

        # Wait for the verification: the queue shows the flagged applicant's state.
        row = page.locator("tr", has=page.locator(f"a:text-is('{flagged['applicant_id']}')"))
        deadline = time.monotonic() + 900
        while True:
            page.goto(url + "/?sort=severity")
            state = row.locator(".state").inner_text()
            if state in ("有疑点", "待复核"):
                break
            assert state in ("排队中", "识别中"), state
            assert time.monotonic() < deadline, "verification did not finish in 15 minutes"
            page.goto(intake_url)  # a failed run fails the test now, with its reason
            runs = page.locator("td.run-state").all_inner_texts()
            assert not {"失败", "中断"} & set(runs), page.locator("table").last.inner_text()
            time.sleep(3)
        page.screenshot(path=str(shots / "2-queue.png"))

        # The flagged applicant: the crop beside the declared value, then a decision.
        row.locator("a").first.click()
        flag = page.locator(".flag", has=page.locator("code:text-is('LEVEL_OVERCLAIM')")).first
        expect(flag.locator("td.declared")).not_to_have_text("—")
        crop = flag.locator("img.crop").first
        expect(crop).to_be_visible()
        # Loaded, not just laid out: the crop came from the server as an image.
        page.wait_for_function("img => img.complete && img.naturalWidth > 20",
                               arg=crop.element_handle(), timeout=30_000)  # fmt: skip
        page.screenshot(path=str(shots / "3-applicant.png"), full_page=True)
        flag.locator("input[value=confirmed]").check()
        flag.locator("input[name=reason]").fill("证书原件显示的等级低于申报等级")
        flag.locator("form.decide button").click()
        expect(page.locator(".flag .decision").first).to_contain_text("证书原件显示的等级低于申报等级")
        # Each page read opens whole, fields outlined (an image the browser decodes).
        href = page.locator("a[href*='/page/']").first.get_attribute("href")
        got = page.request.get(url + href)
        assert got.status == 200 and got.headers["content-type"] == "image/jpeg"
        (shots / "5-page.jpg").write_bytes(got.body())

        # Each upload verified its packet alone; the whole intake (with the checks across
        # applicants, and the reports) when asked.
        def runs_until(done: tuple[str, str]) -> list[tuple[str, str]]:
            deadline = time.monotonic() + 900
            while True:
                page.goto(intake_url)
                runs = list(zip(page.locator("td.run-kind").all_inner_texts(),
                                page.locator("td.run-state").all_inner_texts(), strict=True))  # fmt: skip
                if done in runs:
                    return runs
                assert not {"失败", "中断"} & {s for _, s in runs}, runs
                assert time.monotonic() < deadline, f"no {done} in 15 minutes: {runs}"
                time.sleep(3)

        for a in (flagged, clear):
            runs_until((f"单个申报 {a['applicant_id']}", "已完成"))
        page.click("#verify-intake")
        runs = runs_until(("整批核验", "已完成"))
        assert sorted(k for k, _ in runs) == sorted(
            ["整批核验", *(f"单个申报 {a['applicant_id']}" for a in (flagged, clear))])  # fmt: skip
        _logout(page)

        # An official downloads the report.
        _login(page, url, "official")
        page.goto(intake_url)
        with page.expect_download() as dl:
            page.click("text=报告 report.html")
        path = dl.value.path()
        html = Path(path).read_text(encoding="utf-8")
        assert flagged["applicant_id"] in html and "LEVEL_OVERCLAIM" in html
        _logout(page)

        # The admin sees every step in the audit trail.
        _login(page, url, "admin")
        page.goto(url + "/audit/")
        page.screenshot(path=str(shots / "4-audit.png"), full_page=True)
        actions = page.locator("#audit td.action").all_inner_texts()
        for step in ("登录", "创建申报批次", "导入申报数据表", "上传材料", "提交核验",
                     "核验运行结束", "疑点结论", "导出/下载", "退出"):  # fmt: skip
            assert step in actions, (step, actions)
        browser.close()
    shutil.copy(shots / "2-queue.png", shots / "queue.png")
