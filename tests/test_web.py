"""The reviewers' web app through Django's test client: login and throttling, roles on every
view, the import preview, uploads and their limits, the queue, decisions, the audit trail.

Run on SQLite, and again on PostgreSQL with the store's tests (the `store` marker)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from PIL import Image

from models.results import Results
from pipelines.reports import ReportMeta, write_html
from store import models as sm
from store import records
from store.dataroot import DataRoot
from tests.test_reports import HOSTILE_NAME, ID_A, ID_A_MASKED, ID_B, _results
from webapp.models import (
    AppendOnlyError,
    ApplicantDecision,
    Assignment,
    AuditEvent,
    FlagDecision,
    VerifyRequest,
)
from webapp.roles import ADMIN, LEAD, OFFICIAL, REVIEWER

pytestmark = [pytest.mark.store, pytest.mark.django_db]
AS_OF = dt.date(2025, 9, 30)
A = AuditEvent.Action

DECLARED_CSV = (
    "申报编号,申报项目,姓名,性别,民族,身份证号,职业技能等级\n"
    f"XJ2025-0001,新疆工匠,{HOSTILE_NAME},男,汉族,{ID_A},高级技师\n"
    f"XJ2025-0002,准东人才工作室,李四,男,汉族,{ID_B},技师\n"
    f"XJ2025-0003,新疆工匠,阿依古丽·买买提,女,维吾尔族,{ID_B},技师\n"
    ",新疆工匠,无编号,男,汉族,,技师\n"
)


def _png(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def data_root(tmp_path, monkeypatch, settings):
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("CREDCHECK_DATA", str(root))
    settings.DATA_ROOT = root
    settings.CREDCHECK_VERIFY = "off"  # uploads record their request; nothing runs
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    return DataRoot(root)


def _user(name: str, *roles: str):
    u = get_user_model().objects.create_user(name, password="a-long-password-1")
    for r in roles:
        u.groups.add(Group.objects.get(name=r))
    return u


@pytest.fixture
def users():
    return {r: _user(f"u-{i}", r) for i, r in enumerate((REVIEWER, LEAD, OFFICIAL, ADMIN))}


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def intake(data_root):
    """An intake with three declared applicants, a completed run and its report.html."""
    it = records.get_intake("新疆工匠", 2025, key="新疆工匠-2025")
    from extractors.declared import load_declared_table

    p = data_root.path / "declared.csv"
    p.write_text(DECLARED_CSV, encoding="utf-8")
    rows = [a for a in load_declared_table(p).applicants if a.applicant_id.startswith("XJ")]
    records.import_declared(it, rows, source="declared.csv")
    for i, a in enumerate(rows):  # each has a packet, stored before the run
        scan = data_root.path / f"scan{i}.png"
        scan.write_bytes(_png(("red", "green", "blue")[i]))
        records.add_packet_files(data_root, _applicant(it, a.applicant_id), [("scan.png", scan)])
    results = _results()
    records.record_run(it, results, as_of=AS_OF)
    out = data_root.intake_dir(it.key) / "report"
    out.mkdir(parents=True)
    write_html(results, out / "report.html", ReportMeta(batch=it.key, generated_for="2025-09-30",
               credcheck_version="test"), crops=lambda ref: _png())  # fmt: skip
    (out / "report.xlsx").write_bytes(b"xlsx")
    return it


def _applicant(it, aid: str) -> sm.Applicant:
    return sm.Applicant.objects.get(intake=it, applicant_id=aid)


# ---------------------------------------------------------------- login


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, intake) -> None:
    a = _applicant(intake, "XJ2025-0001")
    for url in (reverse("queue"), reverse("intakes"), reverse("intake", args=[intake.key]),
                reverse("applicant", args=[a.pk]), reverse("audit"),
                reverse("report", args=[intake.key, "report.html"]),
                reverse("crop", args=[a.pk, 1, 0])):  # fmt: skip
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("login")), url
    r = client.get(reverse("login"))
    assert r.status_code == 200 and 'name="username"' in r.text and 'name="password"' in r.text
    assert "credcheck createadmin" in r.text  # no admin yet: the page says how to make one
    _user("first-admin", ADMIN)
    assert "credcheck createadmin" not in client.get(reverse("login")).text


def test_login_works_and_repeated_wrong_passwords_lock_the_account(client, users) -> None:
    r = client.post(reverse("login"), {"username": "u-0", "password": "a-long-password-1"})
    assert r.status_code == 302 and r["Location"] == reverse("queue")
    client.logout()
    for _ in range(5):
        r = client.post(reverse("login"), {"username": "u-1", "password": "wrong"})
    assert r.status_code in (403, 429) and "锁定" in r.text
    # Now even the right password is refused until the cool-off.
    r = client.post(reverse("login"), {"username": "u-1", "password": "a-long-password-1"})
    assert r.status_code in (403, 429)
    trail = list(AuditEvent.objects.values_list("action", "username"))
    assert (A.LOGIN, "u-0") in trail and (A.LOGOUT, "u-0") in trail
    assert trail.count((A.LOGIN_FAILED, "u-1")) >= 5


def test_secure_headers_are_sent(client, users) -> None:
    r = _as(client, users[REVIEWER]).get(reverse("queue"))
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- roles


def test_each_role_gets_what_it_may_and_403_otherwise(client, users, intake) -> None:
    a = _applicant(intake, "XJ2025-0001")
    flag = sm.Flag.objects.filter(result__applicant=a).first()
    gets = {
        reverse("queue"): {REVIEWER, LEAD, OFFICIAL, ADMIN},
        reverse("applicant", args=[a.pk]): {REVIEWER, LEAD, OFFICIAL, ADMIN},
        reverse("applicant", args=[a.pk]) + "?unmask=1": {LEAD},
        reverse("report", args=[intake.key, "report.html"]): {LEAD, OFFICIAL},
        reverse("report", args=[intake.key, "report.xlsx"]): {LEAD, OFFICIAL},
        reverse("report", args=[intake.key, "decisions.csv"]): {LEAD, OFFICIAL},
        reverse("audit"): {ADMIN},
        reverse("users"): {ADMIN},
    }
    posts = {
        reverse("decide_flag", args=[a.pk, flag.pk]): {REVIEWER, LEAD},
        reverse("decide_applicant", args=[a.pk]): {REVIEWER, LEAD},
        reverse("assign_bulk"): {LEAD, ADMIN},
        reverse("packet_upload", args=[intake.key]): {REVIEWER, LEAD, ADMIN},
        reverse("intakes"): {REVIEWER, LEAD, ADMIN},
    }
    for role, user in users.items():
        c = _as(client, user)
        for url, allowed in gets.items():
            r = c.get(url)
            assert (r.status_code == 200) == (role in allowed), (role, url, r.status_code)
            assert r.status_code in (200, 403), (role, url, r.status_code)
        for url, allowed in posts.items():
            r = c.post(url, {})
            assert (r.status_code != 403) == (role in allowed), (role, url, r.status_code)
    r = _as(client, users[OFFICIAL]).get(reverse("audit"))
    assert r.status_code == 403 and "无权访问" in r.text and "领导" in r.text
    # A user without a role sees nothing.
    c = _as(client, _user("nobody"))
    assert c.get(reverse("queue")).status_code == 403


def test_a_reviewer_sees_only_their_own_and_unassigned_applicants(client, users, intake) -> None:
    other = _user("other", REVIEWER)
    a1, a2 = _applicant(intake, "XJ2025-0001"), _applicant(intake, "XJ2025-0002")
    Assignment.objects.create(applicant=a1, reviewer=other, assigned_by=users[LEAD])
    c = _as(client, users[REVIEWER])
    assert c.get(reverse("applicant", args=[a1.pk])).status_code == 404
    assert c.get(reverse("applicant", args=[a2.pk])).status_code == 200
    page = c.get(reverse("queue")).text
    assert "XJ2025-0002" in page and "XJ2025-0001" not in page
    # Deciding on another's applicant is refused; on an unassigned one it takes it.
    f1 = sm.Flag.objects.filter(result__applicant=a1).first()
    r = c.post(reverse("decide_flag", args=[a1.pk, f1.pk]), {"verdict": "confirmed", "reason": "x"})
    assert r.status_code == 404
    lead = _as(client, users[LEAD]).get(reverse("queue")).text
    assert "XJ2025-0001" in lead and "other" in lead


# ---------------------------------------------------------------- audit trail


def test_the_audit_trail_cannot_be_changed_or_deleted(users) -> None:
    e = AuditEvent.objects.create(action=A.EXPORT, username="x", detail={"what": "y"})
    e.detail = {"what": "changed"}
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=e.pk).update(username="z")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=e.pk).detail == {"what": "y"}
    # The database refuses too, whatever sends the SQL.
    from django.db import DatabaseError, connection, transaction

    for sql in ("UPDATE webapp_auditevent SET username = 'z'", "DELETE FROM webapp_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEvent.objects.get(pk=e.pk).username == "x"


def test_admins_list_and_export_the_audit_trail(client, users, intake) -> None:
    c = _as(client, users[ADMIN])
    r = c.get(reverse("audit"))
    assert r.status_code == 200 and "登录" in r.text
    r = c.get(reverse("audit") + "?format=csv")
    text = r.content.decode("utf-8-sig")
    assert r.status_code == 200 and text.startswith("时间,用户,操作") and "u-3" in text
    assert AuditEvent.objects.filter(action=A.EXPORT, username="u-3").exists()
    assert c.post(reverse("audit")).status_code in (200, 405)  # no form edits it
    assert AuditEvent.objects.filter(action=A.LOGIN).count() >= 1
    # The verification run that ended is in the trail, once however often it is viewed.
    run = intake.runs.get()
    runs = [e.detail for e in AuditEvent.objects.filter(action=A.VERIFY_RUN)]
    assert runs and runs[0]["run"] == run.pk and runs[0]["state"] == "completed"
    c.get(reverse("audit"))
    assert AuditEvent.objects.filter(action=A.VERIFY_RUN).count() == 1


# ---------------------------------------------------------------- intakes and the declared table


def test_a_reviewer_creates_an_intake_with_the_programs_deadline(client, users) -> None:
    c = _as(client, users[REVIEWER])
    r = c.post(reverse("intakes"), {"program": "新疆工匠", "year": 2025, "name": ""})
    assert r.status_code == 302
    it = sm.Intake.objects.get(key="新疆工匠-2025")
    page = c.get(reverse("intake", args=[it.key])).text
    assert "2025-10-08 20:00" in page
    assert AuditEvent.objects.filter(action=A.INTAKE_CREATED, intake=it.key).count() == 1


def test_the_import_preview_shows_rows_refusals_and_headers_then_imports_whole(
    client, users, data_root
) -> None:
    it = records.get_intake("新疆工匠", 2025)
    c = _as(client, users[REVIEWER])
    f = io.BytesIO(DECLARED_CSV.encode("utf-8"))
    f.name = "declared.csv"
    r = c.post(reverse("declared_upload", args=[it.key]), {"table": f})
    assert r.status_code == 302
    r = c.get(reverse("declared_preview", args=[it.key]))
    page = r.text
    assert "读取 <strong>3</strong> 行" in page
    assert "第5行没有申报编号" in page  # the refused row, with the reason
    assert re.search(r"<td>身份证号</td><td>[^<]*id_number", page)  # header mapped
    assert HOSTILE_NAME not in page  # never raw HTML
    assert ID_A not in page and ID_A_MASKED in page  # masked
    assert not sm.Applicant.objects.filter(intake=it).exists()  # a preview imports nothing
    r = c.post(reverse("declared_preview", args=[it.key]))
    assert r.status_code == 302
    assert sorted(sm.Applicant.objects.filter(intake=it).values_list("applicant_id", flat=True)) \
        == ["XJ2025-0001", "XJ2025-0002", "XJ2025-0003"]  # fmt: skip
    # A corrected row later is a new version; the old one stays.
    f = io.BytesIO(DECLARED_CSV.replace("李四,男", "李四,女").encode("utf-8"))
    f.name = "declared.csv"
    c.post(reverse("declared_upload", args=[it.key]), {"table": f})
    c.post(reverse("declared_preview", args=[it.key]))
    a2 = sm.Applicant.objects.get(intake=it, applicant_id="XJ2025-0002")
    assert [v.data["gender"] for v in a2.versions.order_by("version")] == ["男", "女"]
    assert AuditEvent.objects.filter(action=A.DECLARED_IMPORTED).count() == 2


def test_a_table_that_cannot_be_read_imports_nothing(client, users) -> None:
    it = records.get_intake("新疆工匠", 2025)
    c = _as(client, users[REVIEWER])
    f = io.BytesIO(b"PK\x03\x04 not really a workbook")
    f.name = "declared.xlsx"
    c.post(reverse("declared_upload", args=[it.key]), {"table": f})
    page = c.get(reverse("declared_preview", args=[it.key])).text
    assert "确认导入" not in page
    r = c.post(reverse("declared_preview", args=[it.key]))
    assert r.status_code == 302 and not sm.Applicant.objects.filter(intake=it).exists()


# ---------------------------------------------------------------- packet uploads


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            z.writestr(info, "/etc/passwd")
    buf.seek(0)
    buf.name = "packet.zip"
    return buf


def _upload(c, it, aid, *files):
    return c.post(reverse("packet_upload", args=[it.key]), {"applicant_id": aid, "files": list(files)})


def _named(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def test_packet_files_are_checked_by_content_stored_once_and_submitted(client, users, intake,
                                                                       data_root) -> None:
    c = _as(client, users[REVIEWER])
    scan = _png("blue")
    r = _upload(c, intake, "XJ2025-0003", _named(scan, "skill.png"),
                _named(b"MZ\x90\x00 an exe", "award.jpg"), _named(b"%PDF-1.4\n%%EOF", "t.pdf"))
    assert r.status_code == 302
    a3 = _applicant(intake, "XJ2025-0003")
    assert sorted(a3.files.values_list("name", flat=True)) == ["scan.png", "skill.png", "t.pdf"]
    page = c.get(reverse("intake", args=[intake.key])).text
    assert "未接收 award.jpg" in page
    sha = a3.files.get(name="skill.png").content_id
    assert data_root.file_path(sha).read_bytes() == scan
    # This packet alone is submitted (verify-packet), keyed by its state.
    (req,) = VerifyRequest.objects.filter(intake=intake)
    assert req.applicant == a3 and req.state_digest == records.packet_state(a3).digest
    # The same content again is recognised and submits nothing new.
    _upload(c, intake, "XJ2025-0003", _named(scan, "skill.png"))
    page = c.get(reverse("intake", args=[intake.key])).text
    assert "已有（相同内容）skill.png" in page
    assert VerifyRequest.objects.filter(intake=intake).count() == 1
    assert a3.files.count() == 3
    # Sent by the page's progress script: the redirect comes back as a header to follow.
    r = c.post(reverse("packet_upload", args=[intake.key]),
               {"applicant_id": "XJ2025-0003", "files": [_named(scan, "skill.png")]},
               headers={"X-Credcheck-Upload": "1"})  # fmt: skip
    assert r.status_code == 200 and r["X-Next"] == reverse("intake", args=[intake.key])
    # An applicant not in the declared table is refused.
    _upload(c, intake, "XJ2025-9999", _named(scan, "x.png"))
    assert not sm.Applicant.objects.filter(applicant_id="XJ2025-9999").exists()


def test_a_packet_zip_refuses_paths_leaving_the_packet_links_and_bombs(client, users,
                                                                       intake) -> None:
    c = _as(client, users[REVIEWER])
    z = _zip({"ok/skill.png": _png(), "../../evil.png": _png("green"),
              "/abs.png": _png("white"), "C:/win.png": _png("black")}, symlink="link.png")
    _upload(c, intake, "XJ2025-0002", z)
    a2 = _applicant(intake, "XJ2025-0002")
    assert sorted(a2.files.values_list("name", flat=True)) == ["ok/skill.png", "scan.png"]
    page = c.get(reverse("intake", args=[intake.key])).text
    assert "evil.png" in page and "路径不安全" in page and "符号链接" in page
    # 50 MB of zeros in a few kilobytes: the whole zip is refused, nothing stored.
    bomb = _zip({"bomb.png": b"\x89PNG\r\n\x1a\n" + bytes(50 * 1024 * 1024)})
    assert len(bomb.getvalue()) < 200_000
    _upload(c, intake, "XJ2025-0001", bomb)
    assert list(_applicant(intake, "XJ2025-0001").files.values_list("name", flat=True)) \
        == ["scan.png"]  # fmt: skip
    msgs = [str(m) for m in c.get(reverse("intake", args=[intake.key])).context["messages"]]
    assert any("压缩炸弹" in m for m in msgs), msgs


def test_a_whole_intake_zip_in_the_batch_layout_is_taken_with_its_table(client, users) -> None:
    it = records.get_intake("新疆工匠", 2025)
    c = _as(client, users[LEAD])
    z = _zip({"batch/declared.csv": DECLARED_CSV.encode(),
              "batch/packets/XJ2025-0001/skill.png": _png(),
              "batch/packets/XJ2025-0001/notes.jpg": b"just text, not a scan",
              "batch/packets/XJ2025-0002/sub/id.png": _png("green"),
              "batch/../../outside.png": _png("white")})  # fmt: skip
    z.name = "batch.zip"
    r = c.post(reverse("batch_upload", args=[it.key]), {"zip": z})
    assert r.status_code == 302
    got = {a.applicant_id: sorted(a.files.values_list("name", flat=True))
           for a in sm.Applicant.objects.filter(intake=it)}  # fmt: skip
    assert got == {"XJ2025-0001": ["skill.png"], "XJ2025-0002": ["sub/id.png"], "XJ2025-0003": []}
    blocks = {b["applicant"]: b for b in c.session["upload_result"]}
    assert blocks["XJ2025-0001"]["added"] == ["skill.png"]
    assert [n for n, _ in blocks["XJ2025-0001"]["refused"]] == ["notes.jpg"]
    assert blocks["XJ2025-0002"]["added"] == ["sub/id.png"]
    page = c.get(reverse("intake", args=[it.key])).text
    assert "notes.jpg" in page and "outside.png" in page and "路径不安全" in page
    assert VerifyRequest.objects.filter(intake=it).count() == 1
    # A zip that is not a batch (no declared table) is refused whole.
    z = _zip({"packets/XJ2025-0001/other.png": _png("black")})
    c.post(reverse("batch_upload", args=[it.key]), {"zip": z})
    assert not sm.PacketFile.objects.filter(name="other.png").exists()


# ---------------------------------------------------------------- queue and applicant page


def test_the_queue_shows_states_flags_and_filters(client, users, intake) -> None:
    c = _as(client, users[LEAD])
    rows = {r.applicant.applicant_id: r for r in c.get(reverse("queue")).context["page"]}
    assert rows["XJ2025-0001"].state == "有疑点", rows
    assert rows["XJ2025-0001"].flags == {"medium": 1, "high": 1, "low": 1}
    assert rows["XJ2025-0002"].state == "待复核" and rows["XJ2025-0003"].state == "无疑点"
    order = [r.applicant.applicant_id for r in c.get(reverse("queue")).context["page"]]
    assert order[:2] == ["XJ2025-0001", "XJ2025-0002"]  # most severe first
    got = c.get(reverse("queue") + "?code=ID_INVALID").context["page"]
    assert [r.applicant.applicant_id for r in got] == ["XJ2025-0002"]
    from models.declared import Applicant as Declared

    records.import_declared(intake, [Declared(applicant_id="XJ2025-0009", program="新疆工匠")])
    # A later run of the whole intake judges it without any file: still 待上传, flags hidden.
    later = Results.model_validate({"applicants": [{
        "applicant_id": "XJ2025-0009", "program": "新疆工匠", "status": "flagged",
        "flags": [{"code": "MISSING_EVIDENCE", "severity": "high", "message": "无材料"}]}]})
    records.record_run(intake, later, as_of=AS_OF)
    got = c.get(reverse("queue") + "?state=待上传").context["page"]
    assert [r.applicant.applicant_id for r in got] == ["XJ2025-0009"] and got[0].flags == {}
    got = c.get(reverse("queue") + "?state=无疑点").context["page"]
    assert [r.applicant.applicant_id for r in got] == ["XJ2025-0003"]
    # An upload after the run puts the applicant back in the queue (排队中).
    _upload(c, intake, "XJ2025-0003", _named(_png("navy"), "new.png"))
    rows = {r.applicant.applicant_id: r for r in c.get(reverse("queue")).context["page"]}
    assert rows["XJ2025-0003"].state == "排队中"
    # Bulk assignment by a lead.
    rev = users[REVIEWER]
    ids = [str(_applicant(intake, x).pk) for x in ("XJ2025-0001", "XJ2025-0002")]
    c.post(reverse("assign_bulk"), {"reviewer": rev.pk, "applicant": ids})
    assert Assignment.objects.filter(reviewer=rev).count() == 2
    mine = _as(client, rev).get(reverse("queue") + "?mine=1").context["page"]
    assert sorted(r.applicant.applicant_id for r in mine) == ["XJ2025-0001", "XJ2025-0002"]


def test_the_applicant_page_shows_flags_beside_masked_values_and_the_crop(client, users,
                                                                         intake) -> None:
    a = _applicant(intake, "XJ2025-0001")
    c = _as(client, users[REVIEWER])
    page = c.get(reverse("applicant", args=[a.pk])).text
    assert ID_A not in page and ID_B not in page and ID_A_MASKED in page
    assert "<script>alert" not in page
    assert "高级技师" in page and "技师" in page
    # Both duplicate groups naming the applicant, the other applicants and the reasons masked.
    assert "与 XJ2025-0003" in page and "与 XJ2025-0002" in page and "same id_number 650102" in page
    crop_urls = re.findall(r'src="(/a/\d+/flag/\d+/crop/\d+\.png)"', page)
    assert crop_urls
    r = c.get(crop_urls[0])
    assert r.status_code == 200 and r.content == _png()
    # The needs_review reasons are questions; the lead's unmasked view is audited.
    lead = _as(client, users[LEAD])
    page = lead.get(reverse("applicant", args=[a.pk]) + "?unmask=1").text
    assert ID_A in page
    assert AuditEvent.objects.filter(action=A.UNMASKED_VIEW, applicant="XJ2025-0001").count() == 1


def test_a_whole_page_shows_the_read_fields_with_the_id_digits_covered(client, users, intake,
                                                                     data_root) -> None:
    from prefect._internal.result_records import ResultRecord, ResultRecordMetadata
    from prefect.serializers import PickleSerializer

    from extractors.read import ReadOptions
    from models.document import DocumentReading
    from models.evidence import PageReading
    from pipelines.flows import _options_key

    a = _applicant(intake, "XJ2025-0001")
    # The page as a worker would leave it: the file stored, the run's state laid out as a
    # batch, the reading in the page cache under its content key.
    scan = data_root.path / "skill.png"
    Image.new("RGB", (300, 200), "white").save(scan)
    records.add_packet_files(data_root, a, [("skill.jpg", scan)])
    run = records.record_run(intake, _results(), as_of=AS_OF)
    state = records.intake_state(intake)
    sm.VerificationRun.objects.filter(pk=run.pk).update(state_digest=state.digest)
    records.materialise(data_root, state, data_root.intake_dir(intake.key) / "batches"
                        / state.digest[:16] / intake.key)  # fmt: skip
    box = (20.0, 50.0, 200.0, 70.0)
    reading = PageReading(file="packets/XJ2025-0001/skill.jpg", page=1, width=300, height=200,
                          documents=[DocumentReading.model_validate({
                              "file": "packets/XJ2025-0001/skill.jpg", "page": 1,
                              "doc_type": "skill_certificate", "confidence": 0.9,
                              "fields": {"id_number": {"key": "id_number", "value": ID_A, "raw": ID_A,
                                                        "confidence": 0.9, "evidence": {
                                  "file": "packets/XJ2025-0001/skill.jpg", "page": 1,
                                  "bbox": box}}}})])  # fmt: skip
    sha = a.files.get(name="skill.jpg", replaced__isnull=True).content_id
    path = data_root.cache / f"page-{sha}-1-{_options_key(ReadOptions())}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ResultRecord(metadata=ResultRecordMetadata(
        storage_key=str(path), serializer=PickleSerializer(picklelib="cloudpickle")),
        result=reading).serialize())  # fmt: skip
    c = _as(client, users[REVIEWER])
    page = c.get(reverse("applicant", args=[a.pk])).text
    url = reverse("page", args=[a.pk, 0])
    assert url in page
    r = c.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    img = Image.open(io.BytesIO(r.content)).convert("RGB")
    # The middle of the ID number is covered (black), its head is not; the box is outlined.
    mid, head = img.getpixel((110, 60)), img.getpixel((25, 60))
    assert max(mid) < 60 and min(head) > 200, (mid, head)
    assert img.getpixel((20, 50))[2] > img.getpixel((20, 50))[0] + 60  # blue outline
    assert c.get(url + "?unmask=1").status_code == 403
    lead = _as(client, users[LEAD])
    img = Image.open(io.BytesIO(lead.get(url + "?unmask=1").content)).convert("RGB")
    assert min(img.getpixel((110, 60))) > 200  # unmasked for a lead, and audited
    assert AuditEvent.objects.filter(action=A.UNMASKED_VIEW, applicant="XJ2025-0001").exists()
    assert c.get(reverse("page", args=[a.pk, 99])).status_code == 404


def test_decisions_need_a_reason_are_kept_beside_the_output_and_survive_a_rerun(
    client, users, intake
) -> None:
    a = _applicant(intake, "XJ2025-0001")
    flag = sm.Flag.objects.filter(result__applicant=a, code="LEVEL_OVERCLAIM").get()
    c = _as(client, users[REVIEWER])
    url = reverse("decide_flag", args=[a.pk, flag.pk])
    c.post(url, {"verdict": "confirmed", "reason": ""})
    assert not FlagDecision.objects.exists()
    c.post(url, {"verdict": "confirmed", "reason": "证书原件为技师"})
    d = FlagDecision.objects.get()
    assert d.user == users[REVIEWER] and d.verdict == "confirmed"
    assert Assignment.objects.get(applicant=a).reviewer == users[REVIEWER]  # taken
    c.post(reverse("decide_applicant", args=[a.pk]), {"outcome": "fail", "note": ""})
    assert not ApplicantDecision.objects.exists()
    c.post(reverse("decide_applicant", args=[a.pk]), {"outcome": "fail", "note": "等级不实"})
    assert ApplicantDecision.objects.get().outcome == "fail"
    # The verifier's output is unchanged by the decisions.
    flag.refresh_from_db()
    assert flag.declared == "高级技师" and flag.found == "技师"
    # A re-verification raises new flags; the decision shows against the same finding.
    records.record_run(intake, _results(), as_of=AS_OF)
    page = c.get(reverse("applicant", args=[a.pk])).text
    assert "此前对同一疑点的结论：属实" in page and "证书原件为技师" in page
    rows = {r.applicant.applicant_id: r for r in c.get(reverse("queue")).context["page"]}
    assert rows["XJ2025-0001"].state == "已决定"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {A.FLAG_DECIDED, A.APPLICANT_DECIDED, A.ASSIGNED} <= actions


def test_officials_download_reports_and_decisions_masked_and_formula_safe(client, users,
                                                                         intake) -> None:
    a = _applicant(intake, "XJ2025-0001")
    flag = sm.Flag.objects.filter(result__applicant=a).first()
    FlagDecision.objects.create(flag=flag, applicant=a, signature="s", verdict="false_alarm",
                                reason=f"=cmd|' /C calc'!A0 {ID_A}", user=users[LEAD])  # fmt: skip
    c = _as(client, users[OFFICIAL])
    r = c.get(reverse("report", args=[intake.key, "report.html"]))
    assert r.status_code == 200 and b"<html" in b"".join(r.streaming_content)
    text = c.get(reverse("report", args=[intake.key, "decisions.csv"])).content.decode("utf-8-sig")
    assert "'=cmd" in text and ID_A not in text and ID_A_MASKED in text
    assert AuditEvent.objects.filter(action=A.EXPORT, username="u-2").count() == 2


def test_admins_add_users_change_roles_and_disable_them(client, users) -> None:
    c = _as(client, users[ADMIN])
    c.post(reverse("users"), {"op": "create", "username": "new", "password": "a-long-password-3",
                              "role": REVIEWER})  # fmt: skip
    u = get_user_model().objects.get(username="new")
    assert list(u.groups.values_list("name", flat=True)) == [REVIEWER]
    c.post(reverse("users"), {"op": "change", "user": u.pk, "role": LEAD, "active": "1"})
    assert list(u.groups.values_list("name", flat=True)) == [LEAD]
    c.post(reverse("users"), {"op": "change", "user": u.pk, "role": LEAD, "password": "x"})
    u.refresh_from_db()
    assert u.is_active  # a refused password changes nothing
    c.post(reverse("users"), {"op": "change", "user": u.pk, "role": LEAD})  # unticked: disabled
    u.refresh_from_db()
    assert not u.is_active
    assert _as(client, u).get(reverse("queue")).status_code == 302  # logged out: login page
    changes = [e.detail for e in AuditEvent.objects.filter(action=A.USER_CHANGED)]
    assert {"created": "new", "role": REVIEWER} in changes
    assert {"changed": "new", "active": False} in changes


def test_createadmin_makes_an_admin_and_refuses_a_weak_password(users) -> None:
    from django.core.exceptions import ValidationError

    from webapp.server import create_admin, has_admin

    assert has_admin()  # the fixture's 管理员
    with pytest.raises(ValidationError):
        create_admin("boss", "123")
    create_admin("boss", "a-long-password-2")
    u = get_user_model().objects.get(username="boss")
    assert u.groups.filter(name=ADMIN).exists() and u.check_password("a-long-password-2")


def test_a_local_verification_that_fails_leaves_its_reason_in_the_log(data_root, settings,
                                                                      monkeypatch) -> None:
    from webapp import verify

    # The child's own database has no tables (nothing migrated): it fails and exits 1.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data_root.path / 'child.sqlite3'}")
    settings.CREDCHECK_VERIFY = "local"
    verify._local("no-such-intake", "XJ2025-0001")
    assert verify.wait_local(120)
    text = (data_root.path / "logs" / "verify-local.log").read_text(encoding="utf-8")
    assert "--- webapp.verify_local no-such-intake XJ2025-0001" in text
    assert "Traceback" in text and "no such table" in text
