"""Views. Every view checks the user's role on the server (roles.require / visible
applicants); templates only hide what a role cannot use."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from models.catalogue import (
    APPLICANT_HEADERS,
    PROGRAM_NAMES,
    FieldKey,
    doc_label,
    field_label,
    get_program,
)
from models.exceptions import CredcheckError
from pipelines import figures
from pipelines.cells import csv_cell
from pipelines.masking import mask_id, mask_text
from pipelines.reports import CODE_NAMES, SEVERITY_NAMES, STATUS_NAMES
from store import models as sm
from store import records
from store.dataroot import DataRoot
from webapp import audit, crops, queue, uploads, verify
from webapp import declared as declared_preview
from webapp.models import ApplicantDecision, Assignment, AuditEvent, FlagDecision, VerifyRequest
from webapp.roles import (
    ADMIN,
    LEAD,
    OFFICIAL,
    REVIEWER,
    ROLES,
    can,
    may_decide,
    require,
    roles_of,
    visible_applicants,
)

A = AuditEvent.Action
CODES = CODE_NAMES["zh"]
SEVS = SEVERITY_NAMES["zh"]


def _root() -> DataRoot:
    return DataRoot.from_env()


# ---------------------------------------------------------------- login


class LoginView(auth_views.LoginView):
    """Django's login view and form; the page says how to make the first admin when none
    exists yet (a fresh installation)."""

    template_name = "webapp/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from webapp.server import has_admin

        return {**super().get_context_data(**kwargs), "no_admin": not has_admin()}


# ---------------------------------------------------------------- queue


@require("see_queue")
def queue_view(request: HttpRequest) -> HttpResponse:
    g = request.GET
    apps = visible_applicants(request.user, sm.Applicant.objects.all())
    if g.get("intake"):
        apps = apps.filter(intake__key=g["intake"])
    if g.get("mine"):
        apps = apps.filter(assignment__reviewer=request.user)
    items = queue.rows(apps)
    if g.get("state"):
        items = [r for r in items if r.state == g["state"]]
    if g.get("code") and g.get("severity"):  # a segment of the dashboard's code × severity
        items = [r for r in items if (g["code"], g["severity"]) in r.pairs]
    elif g.get("code"):
        items = [r for r in items if g["code"] in r.codes]
    elif g.get("severity"):
        items = [r for r in items if r.flags.get(g["severity"])]
    if g.get("program"):
        items = [r for r in items if r.program == g["program"]]
    # The dashboard's other charts: the same definitions as pipelines/figures.py.
    if g.get("prefecture"):
        items = [r for r in items if g["prefecture"] == figures.prefecture_of(
            r.declared.get("prefecture") or "", r.declared.get("id_number") or "")]
    if g.get("age"):
        items = [r for r in items if r.state in figures.WAITING and r.age is not None
                 and figures.age_bucket(r.age) == g["age"]]  # fmt: skip
    if g.get("issuer"):
        items = _with_flagged_issuer(items, g["issuer"])
    items = queue.sort_rows(items, g.get("sort", "severity"))
    page = Paginator(items, 50).get_page(g.get("page"))
    reviewers = (
        get_user_model().objects.filter(groups__name__in=[REVIEWER, LEAD], is_active=True)
        .distinct().order_by("username") if can(request.user, "assign_others") else []
    )  # fmt: skip
    query = g.copy()
    query.pop("page", None)
    return render(request, "webapp/queue.html", {
        "page": page, "total": len(items), "states": queue.STATES, "severities": queue.SEVERITIES,
        "codes": sorted(CODES.items()), "programs": PROGRAM_NAMES,
        "intakes": sm.Intake.objects.order_by("-created"), "f": g, "query": query.urlencode(),
        "reviewers": reviewers,
        "extra": [(k, label, g[k]) for k, label in (("prefecture", "地州"), ("issuer", "发证单位"),
                                                    ("age", "等待")) if g.get(k)],
    })  # fmt: skip


def _with_flagged_issuer(items: list[queue.Row], issuer: str) -> list[queue.Row]:
    """Rows with a document of `issuer` that a flag points at (figures.by_issuer's count)."""
    ids = [r.result_id for r in items if r.result_id]
    needle = json.dumps(issuer, ensure_ascii=False)  # as JsonText stores it
    docs: dict[int, set[tuple[str, int]]] = {}
    for rid, data in sm.ApplicantResult.objects.filter(
        pk__in=ids, data__contains=needle
    ).values_list("pk", "data"):
        docs[rid] = {(d.get("file", ""), d.get("page") or 1) for d in data.get("documents", [])
                     if ((d.get("fields") or {}).get("issuer") or "").strip() == issuer}
    hit = set()
    for rid, ev in sm.Flag.objects.filter(result_id__in=list(docs)).values_list(
        "result_id", "evidence"
    ):
        if any((e.get("file", ""), e.get("page") or 1) in docs[rid] for e in ev):
            hit.add(rid)
    return [r for r in items if r.result_id in hit]


# ---------------------------------------------------------------- officials' view


def _queue_href(intake: sm.Intake):
    base = reverse("queue")

    def href(**q: str) -> str:
        return f"{base}?{urlencode({'intake': intake.key, **q})}"

    return href


def _officials_data(intake: sm.Intake):
    from webapp import dashboard

    d = dashboard.load_cached(intake)
    prev = dashboard.previous_intake(intake)
    return d, (dashboard.load_cached(prev) if prev else None)


@require("dashboard")
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The latest intake's dashboard (officials land here from the menu)."""
    intake = sm.Intake.objects.order_by("-year", "-created").first()
    if intake is None:
        messages.info(request, "还没有申报批次")
        return redirect("intakes")
    return redirect("dashboard", key=intake.key)


@require("dashboard")
def dashboard_view(request: HttpRequest, key: str) -> HttpResponse:
    """The officials' dashboard of an intake: read-only, each chart a link to the queue."""
    from pipelines import officials
    from pipelines.dupcmd import no_gc

    intake = get_object_or_404(sm.Intake, key=key)
    with no_gc():  # tens of thousands of small objects per request (bench/officials.py)
        d, prev = _officials_data(intake)
        pks = {a.applicant_id: a.pk for a in d.apps}
        applicant = reverse("applicant", args=[0]).replace("/0/", "/{}/")
        view = officials.sections(
            d, prev, href=_queue_href(intake),
            applicant_href=lambda aid: applicant.format(pks[aid]) if aid in pks else None,
        )  # fmt: skip
        body = officials.render_body(view)
    return render(request, "webapp/dashboard.html", {
        "intake": intake, "body": body, "css": _officials_css(),
        "intakes": sm.Intake.objects.order_by("-year", "-created"),
    })  # fmt: skip


def _officials_css() -> str:
    return (Path(__file__).resolve().parents[1] / "pipelines" / "templates" /
            "officials.css").read_text(encoding="utf-8")  # fmt: skip


def _report_pdf(request: HttpRequest, intake: sm.Intake) -> HttpResponse:
    from pipelines import officials

    d, prev = _officials_data(intake)
    today = timezone.localdate().isoformat()
    try:
        pdf = officials.render_pdf(d, prev, date=today, version=_version())
    except CredcheckError as e:
        messages.error(request, e.reason_zh)
        return redirect("intake", key=intake.key)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="{intake.pk}-report.pdf"'
    return resp


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("credcheck")
    except PackageNotFoundError:
        return "dev"


@require_POST
@require("assign_self")
def assign_self(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(visible_applicants(request.user, sm.Applicant.objects.all()), pk=pk)
    _assign([a], request.user, request)
    return redirect(request.POST.get("next") or "queue")


@require_POST
@require("assign_others")
def assign_bulk(request: HttpRequest) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=request.POST.get("reviewer"), is_active=True)
    if not roles_of(user) & {REVIEWER, LEAD}:
        raise PermissionDenied("only reviewers and leads work packets")
    ids = [int(x) for x in request.POST.getlist("applicant") if x.isdigit()]
    apps = list(sm.Applicant.objects.filter(pk__in=ids))
    _assign(apps, user, request)
    messages.success(request, f"已将 {len(apps)} 份申报分配给 {user.get_username()}")
    return redirect(request.POST.get("next") or "queue")


def _assign(apps: list[sm.Applicant], user: Any, request: HttpRequest) -> None:
    with transaction.atomic():
        for a in apps:
            Assignment.objects.update_or_create(
                applicant=a, defaults={"reviewer": user, "assigned_by": request.user}
            )
            audit.record(request, A.ASSIGNED, intake=a.intake.key, applicant=a.applicant_id,
                         reviewer=user.get_username())  # fmt: skip


# ---------------------------------------------------------------- intakes


class IntakeForm(forms.Form):
    program = forms.ChoiceField(label="申报项目", choices=[(p, p) for p in PROGRAM_NAMES])
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="名称（可选）", max_length=200, required=False)


@require("see_queue")
def intakes(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, initial={"year": timezone.now().year})
    if request.method == "POST":
        if not can(request.user, "create_intake"):
            raise PermissionDenied("create_intake")
        if form.is_valid():
            d = form.cleaned_data
            key = slugify(f"{d['program']}-{d['year']}", allow_unicode=True)[:80]
            intake, created = sm.Intake.objects.get_or_create(
                key=key, defaults={"program": d["program"], "year": d["year"], "name": d["name"]}
            )
            if created:
                audit.record(request, A.INTAKE_CREATED, intake=key, program=d["program"],
                             year=d["year"])  # fmt: skip
            else:
                messages.info(request, "该申报批次已存在，已打开")
            return redirect("intake", key=intake.key)
    rows = [(i, _deadline(i)) for i in sm.Intake.objects.order_by("-created")]
    return render(request, "webapp/intakes.html", {"form": form, "rows": rows})


def _deadline(intake: sm.Intake) -> str:
    try:
        return get_program(intake.program).deadline_label or "—"
    except KeyError:
        return "—"


@require("see_queue")
def intake_view(request: HttpRequest, key: str) -> HttpResponse:
    intake = get_object_or_404(sm.Intake, key=key)
    return render(request, "webapp/intake.html", {
        "intake": intake, "deadline": _deadline(intake),
        "n_applicants": intake.applicants.count(),
        "n_files": sm.PacketFile.objects.filter(applicant__intake=intake,
                                                replaced__isnull=True).count(),
        "table": intake.files.filter(replaced__isnull=True),
        "requests": VerifyRequest.objects.filter(intake=intake).select_related("applicant")[:5],
        "runs": intake.runs.select_related("applicant")[:5],
        "upload": request.session.pop("upload_result", None),
    })  # fmt: skip


# ---------------------------------------------------------------- uploads with progress


def progress_aware(view: Any) -> Any:
    """Upload forms are sent by XMLHttpRequest to show the upload's progress (intake.html);
    it would follow a redirect itself, consuming the page's one-time messages, so the
    redirect is handed back in a header for the page to follow."""
    from functools import wraps

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resp = view(request, *args, **kwargs)
        if request.headers.get("X-Credcheck-Upload") == "1" and resp.status_code in (302, 303):
            out = HttpResponse(status=200)
            out["X-Next"] = resp["Location"]
            return out
        return resp

    return wrapped


# ---------------------------------------------------------------- declared table


def _session_key(intake: sm.Intake) -> str:
    return f"declared:{intake.key}"


@require_POST
@require("upload")
@progress_aware
def declared_upload(request: HttpRequest, key: str) -> HttpResponse:
    intake = get_object_or_404(sm.Intake, key=key)
    sent = request.FILES.getlist("table")
    if not 1 <= len(sent) <= 2:
        messages.error(request, "请选择申报数据表：declared.xlsx，或 declared.csv 与 awards.csv")
        return redirect("intake", key=key)
    root = _root()
    stored = []
    work = uploads.workdir(root.path)
    try:
        for f in sent:
            p = work / hashlib.sha256(f.name.encode()).hexdigest()[:12]
            with open(p, "wb") as out:
                for chunk in f.chunks():
                    out.write(chunk)
            sha, _ = root.put_file(p)
            name = uploads.safe_name(f.name, keep_dirs=False) or "declared"
            stored.append((name, sha))
    finally:
        uploads.cleanup(work)
    request.session[_session_key(intake)] = stored
    return redirect("declared_preview", key=key)


def _table_paths(root: DataRoot, stored: list[list[str]]) -> tuple[Path, Path | None, list]:
    """The pending table's files by their content; the importer reads them by suffix, so a
    link with the sent name's suffix is made in a temporary folder."""
    work = uploads.workdir(root.path)
    named = []
    for name, sha in stored:
        suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (
            ".xlsx", ".xlsm", ".csv", ".txt") else ".xlsx"  # fmt: skip
        p = work / f"{'awards' if 'award' in name.lower() else 'declared'}{suffix}"
        if p.exists():
            p = work / f"{sha[:8]}{suffix}"
        p.symlink_to(root.file_path(sha))
        named.append((name, p))
    named.sort(key=lambda t: "award" in t[0].lower())  # the table first, awards.csv second
    table = named[0][1]
    awards = named[1][1] if len(named) > 1 else None
    return table, awards, [work, named]


@require("upload")
def declared_preview_view(request: HttpRequest, key: str) -> HttpResponse:
    intake = get_object_or_404(sm.Intake, key=key)
    stored = request.session.get(_session_key(intake))
    if not stored:
        return redirect("intake", key=key)
    root = _root()
    table, awards, (work, named) = _table_paths(root, stored)
    try:
        pv = declared_preview.preview(table, awards)
        known = dict(
            sm.DeclaredRow.objects.filter(applicant__intake=intake)
            .order_by("applicant_id", "version").values_list("applicant__applicant_id", "sha256")
        )  # fmt: skip
        if request.method == "POST":
            if pv.error or not pv.rows:
                messages.error(request, "没有可导入的申报人，未导入")
                return redirect("intake", key=key)
            with transaction.atomic():
                files = [(name, p) for name, p in named]
                records.set_intake_files(root, intake, files)
                got = records.import_declared(intake, pv.rows, source=named[0][0])
            del request.session[_session_key(intake)]
            audit.record(request, A.DECLARED_IMPORTED, intake=key, source=named[0][0],
                         created=len(got.created), changed=len(got.changed),
                         unchanged=len(got.unchanged), refused=len(pv.refused))  # fmt: skip
            messages.success(request, f"已导入：新增 {len(got.created)} 人，更正（新版本）"
                             f"{len(got.changed)} 人，未变 {len(got.unchanged)} 人")  # fmt: skip
            return redirect("intake", key=key)
    finally:
        uploads.cleanup(work)
    new_ids = {a.applicant_id for a in pv.rows} - set(known)
    return render(request, "webapp/declared_preview.html", {
        "intake": intake, "pv": pv, "names": [n for n, _ in stored], "new_ids": new_ids,
        "rows": [(a, _mask_row(a.model_dump())) for a in pv.rows[:500]],
    })  # fmt: skip


def _mask_row(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "id_number": mask_id(d.get("id_number"))}


# ---------------------------------------------------------------- packets


def _spool(files: list[Any], work: Path) -> list[tuple[str, Path]]:
    out = []
    for i, f in enumerate(files):
        p = work / f"in-{i}"
        with open(p, "wb") as dst:
            for chunk in f.chunks():
                dst.write(chunk)
        out.append((f.name, p))
    return out


@require_POST
@require("upload")
@progress_aware
def packet_upload(request: HttpRequest, key: str) -> HttpResponse:
    intake = get_object_or_404(sm.Intake, key=key)
    aid = request.POST.get("applicant_id", "").strip()
    applicant = sm.Applicant.objects.filter(intake=intake, applicant_id=aid).first()
    if applicant is None:
        messages.error(request, f"申报编号“{aid}”不在本批次的申报数据表中，请先导入申报数据表")
        return redirect("intake", key=key)
    root = _root()
    work = uploads.workdir(root.path)
    try:
        sent = _spool(request.FILES.getlist("files"), work)
        try:
            taken = uploads.take_packet_files(sent, work)
        except uploads.Refused as e:
            messages.error(request, str(e))
            audit.record(request, A.UPLOAD, intake=key, applicant=aid, refused_all=str(e))
            return redirect("intake", key=key)
        got = records.add_packet_files(root, applicant, taken.files) if taken.files else None
    finally:
        uploads.cleanup(work)
    result = {
        "applicant": aid,
        "added": got.added if got else [], "replaced": got.replaced if got else [],
        "unchanged": got.unchanged if got else [], "refused": taken.refused,
    }  # fmt: skip
    audit.record(request, A.UPLOAD, intake=key, applicant=aid, **{
        k: v for k, v in result.items() if k != "applicant"})  # fmt: skip
    if got and (got.added or got.replaced):
        verify.submit_packet(applicant, request)  # this packet alone; others wait for nothing
    request.session["upload_result"] = [result]
    return redirect("intake", key=key)


@require_POST
@require("upload")
@progress_aware
def batch_upload(request: HttpRequest, key: str) -> HttpResponse:
    """A whole intake as one zip in the batch layout: declared table + packets/<申报编号>/…"""
    from models.exceptions import CredcheckError
    from pipelines.intake import import_batch

    intake = get_object_or_404(sm.Intake, key=key)
    f = request.FILES.get("zip")
    if f is None:
        messages.error(request, "请选择压缩包")
        return redirect("intake", key=key)
    root = _root()
    work = uploads.workdir(root.path)
    try:
        (src,) = _spool([f], work)
        folder = work / "batch"
        folder.mkdir()
        try:
            if not uploads.is_zip(src[1]):
                raise uploads.Refused("不是 zip 压缩包")
            got = uploads.unpack_zip(src[1], folder, max_members=uploads.MAX_ZIP_MEMBERS)
        except uploads.Refused as e:
            messages.error(request, str(e))
            audit.record(request, A.UPLOAD, intake=key, refused_all=str(e))
            return redirect("intake", key=key)
        # A zip holding one folder (the batch's own name) is that folder.
        tops = [p for p in folder.iterdir()]
        if len(tops) == 1 and tops[0].is_dir() and not (folder / "packets").exists():
            folder = tops[0]
        refused = list(got.refused)
        packets = folder / "packets"
        for p in sorted(packets.rglob("*")) if packets.is_dir() else []:
            if p.is_file() and (why := uploads.check_type(p, p.name)):
                refused.append((p.relative_to(folder).as_posix(), why))
                p.unlink()
        try:
            imp = import_batch(folder, key=intake.key, year=intake.year, root=root)
        except CredcheckError as e:
            messages.error(request, f"批次未接收：{e.reason_zh}")
            audit.record(request, A.UPLOAD, intake=key, refused_all=e.reason_zh)
            return redirect("intake", key=key)
    finally:
        uploads.cleanup(work)
    refused += imp.skipped
    result = {"applicant": "（整批）", "added": imp.packets.added, "replaced": imp.packets.replaced,
              "unchanged": imp.packets.unchanged, "refused": refused}  # fmt: skip
    audit.record(request, A.UPLOAD, intake=key, whole_batch=True,
                 declared_created=len(imp.declared.created),
                 declared_changed=len(imp.declared.changed),
                 **{k: v for k, v in result.items() if k != "applicant"})  # fmt: skip
    if imp.packets.added or imp.packets.replaced or imp.declared.created or imp.declared.changed:
        verify.submit(intake, request)
    request.session["upload_result"] = _per_packet(result, imp.declared)
    return redirect("intake", key=key)


def _per_packet(result: dict[str, Any], declared: records.DeclaredImport) -> list[dict]:
    """A whole-batch upload's lists, one block per packet (packets/<申报编号>/…), the table's
    and other files first."""
    blocks: dict[str, dict[str, Any]] = {}
    first = f"（申报数据表：新增 {len(declared.created)} 人，更正 {len(declared.changed)} 人）"
    for kind in ("added", "replaced", "unchanged", "refused"):
        for item in result[kind]:
            path = item[0] if isinstance(item, tuple | list) else item
            parts = str(path).split("/")
            who = parts[1] if len(parts) > 2 and parts[0] == "packets" else first
            b = blocks.setdefault(who, {"applicant": who, "added": [], "replaced": [],
                                        "unchanged": [], "refused": []})  # fmt: skip
            name = "/".join(parts[2:]) if who != first else str(path)
            b[kind].append((name, item[1]) if kind == "refused" else name)
    blocks.setdefault(first, {"applicant": first, "added": [], "replaced": [],
                              "unchanged": [], "refused": []})  # fmt: skip
    return [blocks[first]] + [blocks[k] for k in sorted(blocks) if k != first]


@require_POST
@require("upload")
def verify_again(request: HttpRequest, key: str) -> HttpResponse:
    intake = get_object_or_404(sm.Intake, key=key)
    req = verify.submit(intake, request)
    if req.error:
        messages.error(request, f"核验未能提交：{req.error}")
    else:
        messages.success(request, "已提交核验")
    return redirect("intake", key=key)


# ---------------------------------------------------------------- applicant page


def _visible_applicant(request: HttpRequest, pk: int) -> sm.Applicant:
    qs = visible_applicants(request.user, sm.Applicant.objects.select_related("intake"))
    return get_object_or_404(qs, pk=pk)


def _latest_result(a: sm.Applicant) -> sm.ApplicantResult | None:
    """The applicant's result in the completed run begun last that judged it (a packet
    run begun after the intake's last run, else that run): as the queue shows it."""
    return (
        a.results.filter(run__state=sm.VerificationRun.State.COMPLETED)
        .select_related("run", "run__intake").order_by(*records.latest_first("run__")).first()
    )  # fmt: skip


def _intake_result(a: sm.Applicant, res: sm.ApplicantResult | None) -> sm.ApplicantResult | None:
    """The applicant's result in the intake's last intake-level run: where its duplicates
    are (a packet run judges the applicant alone)."""
    if res is None or res.run.kind != sm.VerificationRun.Kind.PACKET:
        return res
    return (
        a.results.filter(run__state=sm.VerificationRun.State.COMPLETED)
        .exclude(run__kind=sm.VerificationRun.Kind.PACKET)
        .select_related("run").order_by(*records.latest_first("run__")).first()
    )  # fmt: skip


def _report_dirs(a: sm.Applicant, res: sm.ApplicantResult | None) -> list[Path]:
    """Where the crops of the result shown are: its run's reports, then the intake's (a
    packet run's findings carried over from the intake run have their crops there)."""
    root = _root()
    intake = root.intake_dir(a.intake.key) / "report"
    if res is None:
        return [intake]
    own = records.run_folders(root, res.run)[1]
    return [own] if own == intake else [own, intake]


def signature(f: sm.Flag) -> str:
    blob = json.dumps([f.code, f.field, f.declared, f.found], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class _Mask:
    """Masking of one page: known ID values (declared, found) and the policy's patterns."""

    def __init__(self, ids: set[str], enabled: bool) -> None:
        self.enabled = enabled
        self.ids = sorted((i for i in ids if i and len(i) >= 8), key=len, reverse=True)

    def text(self, s: str | None) -> str:
        s = s or ""
        if not self.enabled:
            return s
        for i in self.ids:
            s = s.replace(i, mask_id(i))
        return mask_text(s)

    def value(self, field: str | None, s: str | None) -> str:
        if self.enabled and field == "id_number" and s:
            return mask_id(s)
        return self.text(s)


@require("see_queue")
def applicant_view(request: HttpRequest, pk: int) -> HttpResponse:
    a = _visible_applicant(request, pk)
    declared_rows = list(a.versions.order_by("-version"))
    decl = declared_rows[0].data if declared_rows else {}
    res = _latest_result(a)
    flags = list(res.flags.all()) if res else []
    reports = _report_dirs(a, res)
    docs = [{**d, "doc_label": doc_label(d["doc_type"])}
            for d in (res.data.get("documents", []) if res else [])]  # fmt: skip
    unmask = request.GET.get("unmask") == "1"
    if unmask:
        if not can(request.user, "unmask"):
            raise PermissionDenied("unmask")
        audit.record(request, A.UNMASKED_VIEW, intake=a.intake.key, applicant=a.applicant_id)
    ids = {decl.get("id_number") or ""} | {d["fields"].get("id_number", "") for d in docs}
    ids |= {v for f in flags if f.field == "id_number" for v in (f.declared, f.found) if v}
    m = _Mask(ids, enabled=not unmask)

    # Declared beside found, field by field.
    found: dict[str, list[str]] = {}
    for d in docs:
        for k, v in d["fields"].items():
            label = f"{m.value(k, v)}（{doc_label(d['doc_type'])}）"
            if label not in found.setdefault(k, []):
                found[k].append(label)
    compare = []
    for k in [*(f.value for f in FieldKey), "work_unit", "prefecture", "work_start", "team_size"]:
        dv = decl.get(k)
        if dv in (None, "") and k not in found:
            continue
        label = field_label(k) or (APPLICANT_HEADERS.get(k) or (k,))[0]
        compare.append((label, m.value(k, str(dv) if dv is not None else ""),
                        found.get(k, [])))  # fmt: skip

    decisions = list(FlagDecision.objects.filter(applicant=a).select_related("user"))
    by_flag: dict[int, list[FlagDecision]] = {}
    by_sig: dict[str, list[FlagDecision]] = {}
    for d in decisions:
        by_flag.setdefault(d.flag_id, []).append(d)
        by_sig.setdefault(d.signature, []).append(d)
    flag_views = []
    for f in sorted(flags, key=lambda f: ({"high": 0, "medium": 1, "low": 2}.get(f.severity, 3),
                                          f.ordinal)):  # fmt: skip
        sig = signature(f)
        mine = by_flag.get(f.pk, [])
        earlier = [d for d in by_sig.get(sig, []) if d.flag_id != f.pk]
        flag_views.append({
            "f": f, "code_name": CODES.get(f.code, f.code), "sev": SEVS.get(f.severity, f.severity),
            "field": field_label(f.field) if f.field else "",
            "declared": m.value(f.field, f.declared), "found": m.value(f.field, f.found),
            "message": m.text(f.message), "reasons": [m.text(r) for r in f.reasons],
            "evidence": [
                {"i": i, "file": e.get("file", ""), "page": e.get("page"),
                 "has_crop": crops.crop(reports, e.get("file", ""), e.get("page") or 1,
                                        e.get("bbox")) is not None}
                for i, e in enumerate(f.evidence)
            ],
            "decisions": mine, "earlier": earlier,
            "latest": mine[-1] if mine else None,
        })  # fmt: skip
    whole = _intake_result(a, res)
    dups = [
        {"code": CODES.get(g.code, g.code), "others": [x for x in g.applicant_ids
                                                        if x != a.applicant_id],
         "files": g.files or [], "reasons": [m.text(r) for r in g.reasons]}
        for g in (whole.run.duplicates.filter(applicants=a) if whole else [])
    ]  # fmt: skip
    return render(request, "webapp/applicant.html", {
        "a": a, "decl": decl, "res": res, "flags": flag_views, "compare": compare,
        "dups": dups, "whole": whole,
        "review_reasons": [m.text(r) for r in (res.data.get("review_reasons", []) if res else [])],
        "docs": docs, "versions": declared_rows, "unmasked": unmask,
        "files": a.files.order_by("name", "uploaded"),
        "app_decisions": list(a.decisions.select_related("user")),
        "may_decide": may_decide(request.user, a),
        "verdicts": FlagDecision.Verdict.choices, "outcomes": ApplicantDecision.Outcome.choices,
        "masked_name": m.text(decl.get("name")),
        "status_label": STATUS_NAMES["zh"].get(res.status, res.status) if res else "",
    })  # fmt: skip


@require("see_queue")
def crop_view(request: HttpRequest, pk: int, flag: int, i: int) -> HttpResponse:
    a = _visible_applicant(request, pk)
    f = get_object_or_404(sm.Flag.objects.select_related("result__run__intake"), pk=flag,
                          result__applicant=a)  # fmt: skip
    try:
        e = f.evidence[i]
    except IndexError:
        raise Http404 from None
    data = crops.crop(_report_dirs(a, f.result), e.get("file", ""), e.get("page") or 1,
                      e.get("bbox"))  # fmt: skip
    if data is None:
        raise Http404("no crop")
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    resp = HttpResponse(data, content_type=mime)
    resp["Cache-Control"] = "private, max-age=300"
    return resp


@require("see_queue")
def page_view(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    """The whole page of a document the latest run read, by its place in the run's result
    (never a path the user chose), fields outlined; ID digits covered unless a lead asks."""
    from webapp import pages

    a = _visible_applicant(request, pk)
    res = _latest_result(a)
    docs = res.data.get("documents", []) if res else []
    if not 0 <= doc < len(docs):
        raise Http404
    rel, page = docs[doc]["file"], int(docs[doc]["page"])
    prefix = f"packets/{a.applicant_id}/"
    if not rel.startswith(prefix):
        raise Http404
    unmask = request.GET.get("unmask") == "1"
    if unmask and not can(request.user, "unmask"):
        raise PermissionDenied("unmask")
    # The file as the run read it: the version live when the run began.
    pf = (a.files.filter(name=rel[len(prefix):], uploaded__lte=res.run.started)
          .order_by("-uploaded").first())  # fmt: skip
    root = _root()
    reading = pages.reading_of(root, pf.content_id, page) if pf else None
    batch = records.run_folders(root, res.run)[0]
    if reading is None or not batch.is_dir():
        raise Http404("该页的识别结果已不在缓存中")
    marked = [e["bbox"] for f in res.flags.all() for e in f.evidence
              if e.get("file") == rel and e.get("page") == page and e.get("bbox")]  # fmt: skip
    data = pages.render(batch, rel, reading, mask=not unmask, marked=marked)
    if data is None:
        raise Http404
    if unmask:
        audit.record(request, A.UNMASKED_VIEW, intake=a.intake.key, applicant=a.applicant_id,
                     page=f"{rel} #{page}")  # fmt: skip
    resp = HttpResponse(data, content_type="image/jpeg")
    resp["Cache-Control"] = "private, no-store"
    return resp


@require_POST
@require("decide")
def decide_flag(request: HttpRequest, pk: int, flag: int) -> HttpResponse:
    a = _visible_applicant(request, pk)
    if not may_decide(request.user, a):
        raise PermissionDenied("not assigned")
    f = get_object_or_404(sm.Flag, pk=flag, result__applicant=a)
    verdict = request.POST.get("verdict", "")
    reason = request.POST.get("reason", "").strip()
    if verdict not in FlagDecision.Verdict.values or not reason:
        messages.error(request, "请选择结论并填写理由")
        return redirect("applicant", pk=pk)
    with transaction.atomic():
        _take(a, request)
        FlagDecision.objects.create(flag=f, applicant=a, signature=signature(f), verdict=verdict,
                                    reason=reason[:4000], user=request.user)  # fmt: skip
        audit.record(request, A.FLAG_DECIDED, intake=a.intake.key, applicant=a.applicant_id,
                     flag=f.pk, code=f.code, verdict=verdict, reason=reason[:500])  # fmt: skip
    messages.success(request, "已记录疑点结论")
    return redirect("applicant", pk=pk)


def _take(a: sm.Applicant, request: HttpRequest) -> None:
    # A reviewer deciding on an unassigned applicant takes it.
    if REVIEWER in roles_of(request.user) and not Assignment.objects.filter(applicant=a).exists():
        _assign([a], request.user, request)


@require_POST
@require("decide")
def decide_applicant(request: HttpRequest, pk: int) -> HttpResponse:
    a = _visible_applicant(request, pk)
    if not may_decide(request.user, a):
        raise PermissionDenied("not assigned")
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "").strip()
    if outcome not in ApplicantDecision.Outcome.values:
        messages.error(request, "请选择结论")
        return redirect("applicant", pk=pk)
    if outcome != ApplicantDecision.Outcome.PASS and not note:
        messages.error(request, "不通过或退回补充时请填写说明")
        return redirect("applicant", pk=pk)
    res = _latest_result(a)
    with transaction.atomic():
        _take(a, request)
        ApplicantDecision.objects.create(applicant=a, run=res.run if res else None,
                                         outcome=outcome, note=note[:4000], user=request.user)
        audit.record(request, A.APPLICANT_DECIDED, intake=a.intake.key, applicant=a.applicant_id,
                     outcome=outcome, note=note[:500])  # fmt: skip
    messages.success(request, "已记录申报人结论")
    return redirect("applicant", pk=pk)


@require("see_queue")
def packet_file(request: HttpRequest, pk: int, file: int) -> HttpResponse:
    """A stored packet file, by its row (never a path a user chose); leads only, as the
    original carries unmasked ID numbers (audited)."""
    a = _visible_applicant(request, pk)
    if not can(request.user, "unmask"):
        raise PermissionDenied("unmask")
    pf = get_object_or_404(sm.PacketFile, pk=file, applicant=a)
    audit.record(request, A.UNMASKED_VIEW, intake=a.intake.key, applicant=a.applicant_id,
                 file=pf.name)  # fmt: skip
    resp = FileResponse(open(_root().file_path(pf.content_id), "rb"),  # noqa: SIM115
                        as_attachment=True, filename=Path(pf.name).name)  # fmt: skip
    return resp


# ---------------------------------------------------------------- reports


@require("reports")
def report_download(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    intake = get_object_or_404(sm.Intake, key=key)
    audit.record(request, A.EXPORT, intake=key, what=kind)
    if kind == "decisions.csv":
        return _decisions_csv(intake)
    if kind == "report.pdf":  # the officials' report, made now from the store
        return _report_pdf(request, intake)
    if kind == "officials.xlsx":  # its tables, one sheet each
        from pipelines import officials

        d, prev = _officials_data(intake)
        data = officials.render_xlsx(d, prev, date=timezone.localdate().isoformat())
        resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument"
                                                ".spreadsheetml.sheet")  # fmt: skip
        resp["Content-Disposition"] = f'attachment; filename="{intake.pk}-officials.xlsx"'
        return resp
    if kind not in ("report.html", "report.xlsx"):
        raise Http404
    path = _root().intake_dir(intake.key) / "report" / kind
    if not path.is_file():
        raise Http404("该批次还没有完成的核验报告")
    return FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115
                        filename=f"{intake.key}-{kind}")  # fmt: skip


_csv_cell = csv_cell  # a value a spreadsheet would run as a formula is written as text


def _decisions_csv(intake: sm.Intake) -> HttpResponse:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["类型", "申报编号", "疑点", "结论", "理由/说明", "审核人", "时间"])
    flag_label = dict(FlagDecision.Verdict.choices)
    out_label = dict(ApplicantDecision.Outcome.choices)
    for d in FlagDecision.objects.filter(applicant__intake=intake).select_related(
        "applicant", "flag", "user"
    ):
        w.writerow([_csv_cell(x) for x in ("疑点", d.applicant.applicant_id, d.flag.code,
                    flag_label[d.verdict], mask_text(d.reason), d.user.get_username(),
                    timezone.localtime(d.when).isoformat(timespec="seconds"))])  # fmt: skip
    for d in ApplicantDecision.objects.filter(applicant__intake=intake).select_related(
        "applicant", "user"
    ):
        w.writerow([_csv_cell(x) for x in ("申报人", d.applicant.applicant_id, "",
                    out_label[d.outcome], mask_text(d.note), d.user.get_username(),
                    timezone.localtime(d.when).isoformat(timespec="seconds"))])  # fmt: skip
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{intake.pk}-decisions.csv"'
    return resp


# ---------------------------------------------------------------- audit, users


@require("audit")
def audit_view(request: HttpRequest) -> HttpResponse:
    audit.sync_runs()
    qs = AuditEvent.objects.all()
    if request.GET.get("action"):
        qs = qs.filter(action=request.GET["action"])
    if request.GET.get("user"):
        qs = qs.filter(username=request.GET["user"])
    if request.GET.get("format") == "csv":
        audit.record(request, A.EXPORT, what="audit.csv")
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["时间", "用户", "操作", "申报批次", "申报编号", "详情", "IP"])
        for e in qs.iterator():
            w.writerow([_csv_cell(x) for x in (
                timezone.localtime(e.when).isoformat(timespec="seconds"), e.username,
                e.get_action_display(), e.intake, e.applicant,
                json.dumps(e.detail, ensure_ascii=False), e.ip or "")])  # fmt: skip
        resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return resp
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    for e in page:
        e.detail_text = "；".join(
            f"{k}: {'、'.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in (e.detail or {}).items() if v not in ("", None, [], {})
        )  # fmt: skip
    return render(request, "webapp/audit.html", {"page": page, "actions": A.choices,
                                                 "f": request.GET})  # fmt: skip


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, min_length=10)
    role = forms.ChoiceField(label="角色", choices=[(r, r) for r in ROLES])


@require("users")
def users_view(request: HttpRequest) -> HttpResponse:
    User = get_user_model()
    form = UserForm(request.POST if request.POST.get("op") == "create" else None)
    if request.method == "POST" and request.POST.get("op") == "change":
        return _change_user(request)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if User.objects.filter(username=d["username"]).exists():
            form.add_error("username", "用户名已存在")
        else:
            u = User.objects.create_user(d["username"], password=d["password"])
            u.groups.add(Group.objects.get(name=d["role"]))
            audit.record(request, A.USER_CHANGED, created=u.username, role=d["role"])
            messages.success(request, f"已创建用户 {u.username}（{d['role']}）")
            return redirect("users")
    users = User.objects.prefetch_related("groups").order_by("username")
    rows = [(u, next((g.name for g in u.groups.all() if g.name in ROLES), "")) for u in users]
    return render(request, "webapp/users.html", {"form": form, "rows": rows, "roles": ROLES})


def _change_user(request: HttpRequest) -> HttpResponse:
    """An admin changes a user's role, disables or enables them, or sets a new password."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    u = get_object_or_404(get_user_model(), pk=request.POST.get("user"))
    role, active = request.POST.get("role", ""), request.POST.get("active") == "1"
    password = request.POST.get("password", "")
    if u == request.user and not active:
        messages.error(request, "不能停用自己的账户")
        return redirect("users")
    changes: dict[str, Any] = {}
    with transaction.atomic():
        if role in ROLES and not u.groups.filter(name=role).exists():
            u.groups.remove(*Group.objects.filter(name__in=ROLES))
            u.groups.add(Group.objects.get(name=role))
            changes["role"] = role
        if u.is_active != active:
            u.is_active = active
            changes["active"] = active
        if password:
            try:
                validate_password(password, u)
            except ValidationError as e:
                messages.error(request, "；".join(e.messages))
                return redirect("users")
            u.set_password(password)
            changes["password"] = "reset"
        u.save()
        if changes:
            audit.record(request, A.USER_CHANGED, changed=u.username, **changes)
    messages.success(request, f"已更新用户 {u.username}" if changes else "没有变化")
    return redirect("users")


__all__ = ["ADMIN", "LEAD", "OFFICIAL"]
