"""Issue 16, the officials' view: every figure against a small intake counted by hand (once
built by hand, once stored and read back through the queue), the dashboard, the formula
neutralisation of every export, the officials' PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import figures as fg

NOW = dt.datetime(2025, 10, 1, 12, 0, tzinfo=dt.UTC)
ID_KASHGAR = "653101198503121238"
ID_URUMQI = "650102198503121234"
ID_URUMQI_2 = "65010219900101123X"


def _hand() -> fg.IntakeData:
    """Five applications, counted by hand in the test below."""
    F = fg.FlagItem
    a1 = fg.AppItem("A1", "新疆工匠", fg.FLAGGED, name="买买提·艾力", id_number=ID_KASHGAR,
                    prefecture="喀什地区", flags=(
                        F("LEVEL_OVERCLAIM", "high", (("packets/A1/s.jpg", 1),), "confirmed"),
                        F("NAME_MISMATCH", "medium", (), "false_alarm")),
                    documents=(fg.DocItem("packets/A1/s.jpg", 1, "喀什地区人社局"),
                               fg.DocItem("packets/A1/id.jpg", 1, None)),
                    last_upload=NOW - dt.timedelta(hours=12))  # fmt: skip
    a2 = fg.AppItem("A2", "新疆工匠", fg.CLEAR, name="李四", id_number=ID_URUMQI,
                    documents=(fg.DocItem("packets/A2/s.jpg", 1, "新疆维吾尔自治区人力资源和社会保障厅"),),
                    last_upload=NOW - dt.timedelta(days=2))  # fmt: skip
    a3 = fg.AppItem("A3", "准东人才工作室", fg.NEEDS_REVIEW, name="王五", id_number=ID_URUMQI_2,
                    prefecture="喀什", flags=(
                        F("LEVEL_OVERCLAIM", "low", (("packets/A3/s.jpg", 1),)),),
                    documents=(fg.DocItem("packets/A3/s.jpg", 1, "喀什地区人社局"),),
                    last_upload=NOW - dt.timedelta(days=20))  # fmt: skip
    a4 = fg.AppItem("A4", "新疆工匠", fg.DECIDED, name="赵六", prefecture="和田地区", flags=(
        F("LEVEL_OVERCLAIM", "high", (), "confirmed"), F("ID_MISMATCH", "high", (), "need_originals")),
        last_upload=NOW - dt.timedelta(days=30))  # fmt: skip
    a5 = fg.AppItem("A5", "新疆工匠", fg.NO_FILES, name="孙七")
    dups = [fg.DupItem("DUPLICATE_APPLICANT", ("A1", "OLD-9"), ("same id_number",), 0.98),
            fg.DupItem("DUPLICATE_EVIDENCE", ("A2", "A3"), ("same cert_no",))]  # fmt: skip
    return fg.IntakeData("新疆工匠-2025", "新疆工匠", 2025, [a1, a2, a3, a4, a5], dups, now=NOW)


def _previous() -> fg.IntakeData:
    return fg.IntakeData("新疆工匠-2024", "新疆工匠", 2024, [
        fg.AppItem("P1", "新疆工匠", fg.DECIDED, id_number=ID_KASHGAR,
                   flags=(fg.FlagItem("LEVEL_OVERCLAIM", "high"),)),
        fg.AppItem("P2", "新疆工匠", fg.CLEAR, id_number="650102197001011234"),
    ])  # fmt: skip


EXPECTED_STATES = [("待上传", 1), ("待复核", 1), ("有疑点", 1), ("无疑点", 1), ("已决定", 1)]
EXPECTED_TOTALS = {"applicants": 5, "with_files": 4, "with_flags": 3, "flags": 5, "high": 3,
                   "confirmed_applicants": 2, "decided": 1, "duplicate_people": 1}  # fmt: skip


def _check_figures(d: fg.IntakeData) -> None:
    assert fg.totals(d) == EXPECTED_TOTALS
    assert fg.by_state(d) == EXPECTED_STATES
    assert fg.by_program(d) == [("新疆工匠", 4), ("准东人才工作室", 1)]
    codes = fg.flags_by_code(d)
    assert [(r.code, r.by_severity, r.applicants) for r in codes] == [
        ("LEVEL_OVERCLAIM", {"high": 2, "medium": 0, "low": 1}, 3),
        ("ID_MISMATCH", {"high": 1, "medium": 0, "low": 0}, 1),
        ("NAME_MISMATCH", {"high": 0, "medium": 1, "low": 0}, 1),
    ]
    # 喀什 and 喀什地区 are one prefecture; A3 declares 喀什 with an Ürümqi ID number; A2
    # declares none and counts under its ID region; A5 has neither.
    assert [(r.prefecture, r.applicants, r.with_flags, r.id_elsewhere)
            for r in fg.by_prefecture(d)] == [
        ("喀什地区", 2, 2, 1), ("和田地区", 1, 1, 0), ("乌鲁木齐市", 1, 0, 0), ("未填写", 1, 0, 0),
    ]  # fmt: skip
    assert [(r.issuer, r.documents, r.flagged_documents) for r in fg.by_issuer(d)] == [
        ("喀什地区人社局", 2, 2), ("新疆维吾尔自治区人力资源和社会保障厅", 1, 0),
        ("（未识别发证单位）", 1, 0),
    ]  # fmt: skip
    dec = {r.code: r for r in fg.decisions_by_code(d)}
    assert (dec["LEVEL_OVERCLAIM"].confirmed, dec["LEVEL_OVERCLAIM"].undecided) == (2, 1)
    assert dec["LEVEL_OVERCLAIM"].false_alarm_rate == 0.0
    assert dec["NAME_MISMATCH"].false_alarm_rate == 1.0
    assert dec["ID_MISMATCH"].need_more == 1 and dec["ID_MISMATCH"].false_alarm_rate is None
    (link,) = fg.multi_applications(d)
    assert link.person == "买买提·艾力"
    assert link.applications == (("A1", "新疆工匠"), ("OLD-9", "其他批次"))
    assert [g.applicant_ids for g in fg.shared_evidence(d)] == [("A2", "A3")]
    assert [(a.applicant_id, codes) for a, codes in fg.confirmed_problems(d)] == [
        ("A1", ["LEVEL_OVERCLAIM"]), ("A4", ["LEVEL_OVERCLAIM"])]  # fmt: skip


def test_each_figure_matches_a_hand_counted_intake() -> None:
    d = _hand()
    _check_figures(d)
    # Waiting: A1 12 h, A2 2 days, A3 20 days; A4 is decided and A5 has sent nothing.
    assert fg.queue_age(d) == [("<1天", 1), ("1–3天", 1), ("3–7天", 0), ("7–14天", 0),
                               ("≥14天", 1)]  # fmt: skip


def test_the_comparison_with_the_previous_round() -> None:
    c = fg.compare(_hand(), _previous())
    assert c.previous == "新疆工匠-2024"
    assert c.counts[0] == ("申报人数", 5, 2) and c.counts[1] == ("有疑点", 3, 1)
    assert c.code_rates[0] == ("LEVEL_OVERCLAIM", 0.6, 0.5)
    assert c.repeat_applicants == 1  # A1's ID number applied last round as P1


def test_a_declared_prefecture_is_read_onto_the_catalogue_names() -> None:
    assert fg.prefecture_of("喀什", "") == "喀什地区"
    assert fg.prefecture_of("伊犁州", "") == "伊犁哈萨克自治州"
    assert fg.prefecture_of("", ID_KASHGAR) == "喀什地区"
    assert fg.prefecture_of("", "") == "未填写"
    assert fg.prefecture_of("北京市", ID_KASHGAR) == "北京市"  # declared wins, as written


# ---------------------------------------------------------------- the same intake, stored


@pytest.fixture
def stored(tmp_path, monkeypatch, settings):
    """_hand()'s intake in the store: declared rows, packets, a run, conclusions."""
    from tests.officials_data import store_hand_intake

    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("CREDCHECK_DATA", str(root))
    settings.DATA_ROOT = root
    settings.CREDCHECK_VERIFY = "off"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return store_hand_intake(root)


@pytest.mark.store
@pytest.mark.django_db
def test_the_store_gives_the_same_figures_through_the_queue(stored) -> None:
    from webapp import dashboard

    d = dashboard.load(stored)
    _check_figures(d)
    assert sum(n for _, n in fg.queue_age(d)) == 3  # uploaded just now: all under a day
    prev = dashboard.previous_intake(stored)
    assert prev is not None and prev.key == "新疆工匠-2024"
    c = fg.compare(d, dashboard.load(prev))
    assert c.repeat_applicants == 1


# ---------------------------------------------------------------- the dashboard


def _user(name: str, role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    u = get_user_model().objects.create_user(name, password="a-long-password-1")
    u.groups.add(Group.objects.get(name=role))
    return u


def _queue_ids(client, href: str) -> list[str]:
    import re

    html = client.get(href.replace("&amp;", "&")).content.decode()
    return sorted(re.findall(r'href="/a/\d+/">([^<]+)</a>', html))


@pytest.mark.store
@pytest.mark.django_db
def test_the_dashboard_is_read_only_for_officials_leads_and_admins(stored, client) -> None:
    from django.urls import reverse

    url = reverse("dashboard", args=[stored.key])
    assert client.get(url).status_code == 302  # to the login page
    for role, status in (("审核员", 403), ("领导", 200), ("组长", 200), ("管理员", 200)):
        client.force_login(_user(f"u-{role}", role))
        r = client.get(url)
        assert r.status_code == status, role
        if status == 200:
            assert 'id="k-applicants">5<' in r.content.decode()
            assert client.post(url).status_code in (200, 405)  # nothing to change
    client.force_login(_user("o2", "领导"))
    assert client.get(reverse("dashboard_home")).url == url


@pytest.mark.store
@pytest.mark.django_db
def test_each_chart_links_to_the_queue_filtered_to_what_it_counts(stored, client) -> None:
    import re
    from html import unescape

    from django.urls import reverse

    client.force_login(_user("official", "领导"))
    html = client.get(reverse("dashboard", args=[stored.key])).content.decode()
    links = {unescape(h) for h in re.findall(r'<a href="(/\?intake=[^"]+)"', html)}
    from urllib.parse import quote

    def link(**q: str) -> str:
        want = "&".join(f"{k}={quote(v, safe='')}" for k, v in q.items())
        (hit,) = [x for x in links if x.endswith(want) or x.replace("+", "%20").endswith(want)]
        return hit

    assert _queue_ids(client, link(state="有疑点")) == ["A1"]
    assert _queue_ids(client, link(program="准东人才工作室")) == ["A3"]
    assert _queue_ids(client, link(code="LEVEL_OVERCLAIM", severity="high")) == ["A1", "A4"]
    assert _queue_ids(client, link(code="LEVEL_OVERCLAIM", severity="low")) == ["A3"]
    assert _queue_ids(client, link(prefecture="喀什地区")) == ["A1", "A3"]
    assert _queue_ids(client, link(issuer="喀什地区人社局")) == ["A1", "A3"]
    assert _queue_ids(client, link(age="<1天")) == ["A1", "A2", "A3"]
    # The people behind 多头申报 link to their applicant pages, ID numbers masked.
    a1 = reverse("applicant", args=[stored.applicants.get(applicant_id="A1").pk])
    assert f'<a href="{a1}">' in html.split('id="multi"')[1].split("</section>")[0]
    assert ID_KASHGAR not in html and "653101********1238" in html  # confirmed table, masked


# ---------------------------------------------------------------- spreadsheets safe to edit

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _hostile_results():
    from models.results import ApplicantResult, DuplicateGroup, Flag, Results

    texts = [c + 'HYPERLINK("http://x","点我")' for c in DANGEROUS]
    flags = [Flag(code="AWARD_MISMATCH", severity="low", field="award_name", declared=t, found=t,
                  message=t, rule=t) for t in texts]  # fmt: skip
    return texts, Results(applicants=[
        ApplicantResult(applicant_id="=A1", program="+新疆工匠", name=texts[0], status="flagged",
                        flags=flags, review_reasons=texts)],
        duplicates=[DuplicateGroup(code="DUPLICATE_EVIDENCE", applicant_ids=["=A1", "@B"],
                                   files=texts, reasons=texts)])  # fmt: skip


def _cells(data: bytes) -> list[str]:
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
                if isinstance(c.value, str):
                    out.append(c.value)
    return out


def test_every_formula_like_cell_of_report_xlsx_is_neutralised() -> None:
    from pipelines.reports import ReportMeta, render_xlsx

    texts, results = _hostile_results()
    cells = _cells(render_xlsx(results, ReportMeta(batch="=b", generated_for="2025-09-30",
                                                   credcheck_version="t")))  # fmt: skip
    assert not [v for v in cells if v.startswith(DANGEROUS)]
    for t in texts:  # each text is there, whole, behind its apostrophe
        # (XML reads a stored carriage return back as a line feed)
        assert "'" + t in cells or "'" + t.replace("\r", "\n") in cells, repr(t)
    assert "'=A1" in cells and "'+新疆工匠" in cells


@pytest.mark.store
@pytest.mark.django_db
def test_web_exports_neutralise_formulas(stored, client) -> None:
    import csv
    import io

    from django.urls import reverse

    from store import models as sm
    from webapp.models import FlagDecision

    lead = _user("=lead", "组长")
    f = sm.Flag.objects.filter(result__applicant__applicant_id="A3").first()
    FlagDecision.objects.create(flag=f, applicant=f.result.applicant, signature="s",
                                verdict="confirmed", reason="@SUM(A1)", user=lead)  # fmt: skip
    client.force_login(lead)
    text = client.get(reverse("report", args=[stored.key, "decisions.csv"])).content.decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert any("'@SUM(A1)" in r and "'=lead" in r for r in rows)
    admin = _user("admin", "管理员")
    client.force_login(admin)
    text = client.get(reverse("audit") + "?format=csv").content.decode()
    fields = [c for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in r]
    assert "'=lead" in fields
    for rows_ in (rows, [fields]):
        assert not [c for r in rows_ for c in r if c.startswith(DANGEROUS)]


# ---------------------------------------------------------------- the officials' PDF


def _pdftext(pdf: bytes, tmp_path) -> str:
    import subprocess

    p = tmp_path / "r.pdf"
    p.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


HEADINGS = ("人才项目申报核查情况报告", "核查概况", "疑点类型与严重程度", "各地州", "发证单位",
            "审核结论与误报率", "多头申报", "等待时间", "确认存在问题的申报", "多头申报名单",
            "核查方法", "核查看不到什么", "识别准确率", "审核签字")  # fmt: skip


def test_the_pdf_has_its_sections_masked_ids_page_numbers_and_the_same_bytes_twice(
    tmp_path,
) -> None:
    import re

    from pipelines import officials

    pdf = officials.render_pdf(_hand(), _previous(), date="2025-10-01", version="t")
    assert pdf.startswith(b"%PDF-")
    assert officials.render_pdf(_hand(), _previous(), date="2025-10-01", version="t") == pdf
    text = _pdftext(pdf, tmp_path)
    squashed = re.sub(r"\s+", "", text)
    for h in HEADINGS:
        assert h in text, h
    assert "与上一批次比较（新疆工匠-2024）" in text
    pages = len(re.findall(r"第(\d+)页/共(\d+)页", squashed))
    assert pages >= 4 and f"第{pages}页/共{pages}页" in squashed
    assert "申报5份" in squashed and "有疑点的申报3份" in squashed  # the cover's counts
    assert "确认属实的申报2份" in squashed
    assert ID_KASHGAR not in text and "653101********1238" in text
    assert "买买提·艾力" in text and "OLD-9" in text  # the 多头申报 list
    assert b"/CreationDate (D:20251001000000" in pdf  # the fixed time, not the wall clock


@pytest.mark.store
@pytest.mark.django_db
def test_officials_and_leads_download_the_pdf_reviewers_do_not(stored, client, tmp_path) -> None:
    from django.urls import reverse

    url = reverse("report", args=[stored.key, "report.pdf"])
    client.force_login(_user("rev", "审核员"))
    assert client.get(url).status_code == 403
    client.force_login(_user("off", "领导"))
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _pdftext(r.content, tmp_path)
    assert "新疆工匠-2025" in text and "与上一批次比较（新疆工匠-2024）" in text
    assert "653101********1238" in text and ID_KASHGAR not in text


def test_credcheck_verify_writes_report_pdf_beside_report_html(tmp_path, monkeypatch) -> None:
    from pipelines.stages.outputs import write_outputs
    from tests.test_reports import _results

    monkeypatch.setenv("CREDCHECK_REPORT_PDF", "1")
    batch = tmp_path / "batch-1"
    batch.mkdir()
    (batch / "declared.csv").write_text(
        "申报编号,申报项目,姓名,身份证号,所在地州\n"
        f"XJ2025-0001,新疆工匠,张三,{ID_KASHGAR},喀什地区\n", encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    write_outputs(_results(), out, batch, "2025-09-30", {})
    assert {"results.json", "report.html", "report.xlsx", "report.pdf"} <= {
        p.name for p in out.iterdir()}
    text = _pdftext((out / "report.pdf").read_bytes(), tmp_path)
    assert "batch-1" in text and "核查方法" in text and "喀什地区" in text
    assert "等待时间" not in text  # no queue behind a verify run
    first = (out / "report.pdf").read_bytes()
    write_outputs(_results(), out, batch, "2025-09-30", {})
    assert (out / "report.pdf").read_bytes() == first
    monkeypatch.setenv("CREDCHECK_REPORT_PDF", "0")
    (out / "report.pdf").unlink()
    write_outputs(_results(), out, batch, "2025-09-30", {})
    assert not (out / "report.pdf").exists()


def test_the_report_tables_as_a_workbook_one_sheet_each_safe_and_stable() -> None:
    import io

    import openpyxl

    from pipelines import officials

    d = _hand()
    d.apps[0] = fg.AppItem(**{**d.apps[0].__dict__, "name": '=HYPERLINK("http://x","点我")'})
    data = officials.render_xlsx(d, _previous(), date="2025-10-01")
    assert officials.render_xlsx(d, _previous(), date="2025-10-01") == data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["概况", "申报状态", "申报项目", "疑点类型", "地州", "发证单位",
                             "审核结论", "等待时间", "确认问题", "多头申报", "与上一批次比较"]  # fmt: skip
    rows = {ws.title: [[c.value for c in r] for r in ws.iter_rows(min_row=2)] for ws in wb}
    assert rows["申报状态"] == [list(t) for t in EXPECTED_STATES]
    assert rows["地州"][0] == ["喀什地区", 2, 2, 1]
    assert rows["审核结论"][0][:7] == ["LEVEL_OVERCLAIM", "等级虚报", 3, 2, 0, 0, 1]
    confirmed = rows["确认问题"]
    assert confirmed[0][:3] == ["A1", "'=HYPERLINK(\"http://x\",\"点我\")", "653101********1238"]
    assert not [c for ws in rows.values() for r in ws for c in r
                if isinstance(c, str) and c.startswith(DANGEROUS)]  # fmt: skip


@pytest.mark.store
@pytest.mark.django_db
def test_officials_download_the_report_tables(stored, client) -> None:
    from django.urls import reverse

    client.force_login(_user("off", "领导"))
    r = client.get(reverse("report", args=[stored.key, "officials.xlsx"]))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    client.force_login(_user("rev", "审核员"))
    assert client.get(reverse("report", args=[stored.key, "officials.xlsx"])).status_code == 403


@pytest.mark.store
@pytest.mark.django_db
def test_the_dashboard_follows_a_new_conclusion_at_once(stored, client) -> None:
    from django.urls import reverse

    from store import models as sm
    from webapp.models import FlagDecision
    from webapp.views import signature

    client.force_login(_user("off", "领导"))
    url = reverse("dashboard", args=[stored.key])
    assert 'id="k-confirmed">2<' in client.get(url).content.decode()
    assert 'id="k-confirmed">2<' in client.get(url).content.decode()  # from the cache
    f = sm.Flag.objects.get(result__applicant__applicant_id="A3")
    FlagDecision.objects.create(flag=f, applicant=f.result.applicant, signature=signature(f),
                                verdict="confirmed", reason="原件等级低", user=_user("l", "组长"))
    assert 'id="k-confirmed">3<' in client.get(url).content.decode()
