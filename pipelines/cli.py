"""The `credcheck` command. Messages are Chinese first, English after a slash where cheap."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from datetime import UTC
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from models.exceptions import CredcheckError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="credcheck：人才项目申报材料核验 / verify evidence submitted to talent programs",
)
err = Console(stderr=True)


def _fail(e: CredcheckError, debug: bool) -> None:
    if debug:
        raise e
    err.print(f"[red]错误 / error[/red] {e.reason_zh} ({e})")
    raise typer.Exit(e.exit_code)


@app.command()
def read(
    files: list[Path] = typer.Argument(..., help="PDF / JPG / PNG / TIFF 文件"),
    out: Path | None = typer.Option(None, "--out", help="写出 JSON 的文件；默认打印到屏幕"),
    second_opinion: str = typer.Option("always", help="tesseract 复核：always / on_doubt / never"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """识别文件中的证书并抽取字段 / read certificates and extract fields."""
    from extractors.read import Reader, ReadOptions
    from extractors.reconcile import SecondOpinion

    results = []
    with Reader(ReadOptions(second_opinion=SecondOpinion(second_opinion))) as reader:
        for f in files:
            try:
                results.append(reader.read_file(f, rel=str(f)).model_dump(mode="json"))
            except CredcheckError as e:
                if debug:
                    raise
                results.append({"file": str(f), "error": e.code, "reason": e.reason_zh,
                                "detail": e.detail})  # fmt: skip
    text = json.dumps(results, ensure_ascii=False, indent=2)
    if out:
        out.write_text(text, encoding="utf-8")
        err.print(f"已写出 / written: {out}")
    else:
        sys.stdout.write(text + "\n")


@app.command()
def synth(
    out: Path = typer.Argument(..., help="输出目录 / output folder"),
    per_difficulty: int = typer.Option(20, help="每个难度生成的文件数"),
    seed: int = typer.Option(1, help="随机种子（相同种子生成相同文件）"),
    difficulties: str = typer.Option("clean,ordinary,poor", help="clean / ordinary / poor"),
    layouts: str = typer.Option(
        "synth", help="版式来源：synth（开发所用）/ blind（按文档说明另行绘制，未参与调优）"
    ),
) -> None:
    """生成带标准答案的合成证书扫描件 / generate synthetic certificate scans with ground truth."""
    from synth.generate import generate_documents

    docs = generate_documents(
        out, per_difficulty=per_difficulty, seed=seed,
        difficulties=tuple(d.strip() for d in difficulties.split(",") if d.strip()),
        layouts=layouts,
    )  # fmt: skip
    err.print(f"已生成 {len(docs)} 页 / pages → {out} （标准答案 truth.json）")


def _progress_bar():
    """A rich progress bar on stderr, fed by the flow's (stage, done, total) callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=False,
    )  # fmt: skip
    ids: dict[str, int] = {}
    names = {"read": "识别页面 / reading pages", "assess": "核验申报人 / assessing"}

    def tick(stage: str, done: int, total: int) -> None:
        if stage not in ids:
            ids[stage] = bar.add_task(names.get(stage, stage), total=total)
        bar.update(ids[stage], completed=done, total=total)

    return bar, tick


def _summary(results, out: Path) -> None:
    from collections import Counter

    status = Counter(a.status.value for a in results.applicants)
    codes = Counter(f.code.value for a in results.applicants for f in a.flags)
    err.print(
        f"申报人 {len(results.applicants)}：通过 {status['clear']}，有疑点 {status['flagged']}，"
        f"需人工复核 {status['needs_review']}"
    )
    if codes:
        err.print("疑点 / flags: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
    err.print(f"报告 / report: {out / 'report.html'}")
    err.print(f"结果 / results: {out / 'results.json'}，表格 / workbook: {out / 'report.xlsx'}")


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def run_verify(batch: Path, out: Path, workers: int, as_of: str | None, debug: bool,
               quiet: bool = False, history: Path | None = None):  # fmt: skip
    from datetime import date

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err.print(f"[red]错误 / error[/red] --as-of 应为 YYYY-MM-DD：{as_of}")
        raise typer.Exit(2) from None
    # SIGTERM (a scheduler stopping the run) leaves through Python's shutdown, so the OCR
    # workers and Prefect's temporary server stop too instead of running on as orphans.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from pipelines.flows import verify_batch

        bar, tick = (contextlib.nullcontext(), None) if quiet else _progress_bar()
        with bar:
            results = verify_batch(
                batch, out, workers=workers, as_of=day, progress=tick, history=history
            )
    except CredcheckError as e:
        _fail(e, debug)
    except Exception as e:  # noqa: BLE001 - one line unless --debug (contract)
        if debug:
            raise
        err.print(
            f"[red]错误 / error[/red] 核验失败：{type(e).__name__}: {e}（加 --debug 查看详情）"
        )
        raise typer.Exit(1) from None
    if not results.applicants:
        err.print("[red]错误 / error[/red] 批次中没有可处理的申报人 / nothing to process")
        raise typer.Exit(1)
    return results


@app.command()
def verify(
    batch: Path = typer.Argument(..., help="批次目录（含 declared.xlsx 和 packets/）"),
    out: Path = typer.Option(..., "--out", help="输出目录：results.json, report.html, report.xlsx"),
    workers: int = typer.Option(2, "--workers", min=1, max=16, help="并行识别的页数"),
    as_of: str | None = typer.Option(None, "--as-of", help="核验日期 YYYY-MM-DD（默认今天）"),
    quiet: bool = typer.Option(False, "--quiet", help="不显示进度条"),
    history: Path | None = typer.Option(
        None, "--history", help="历史申报库（SQLite 文件），查找往批重复申报"
    ),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """核验一个批次的申报材料 / verify a batch of applications."""
    results = run_verify(batch, out, workers, as_of, debug, quiet, history)
    _summary(results, out)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def duplicates(ctx: typer.Context) -> None:
    """在申报数据表中查找重复申报 / find duplicate applicants in a declared table.

    credcheck duplicates DECLARED.(xlsx|csv) --out OUT_DIR [--history DB]
    """
    from pipelines.dupcmd import main as dup_main

    raise typer.Exit(dup_main(list(ctx.args)))


@app.command("synth-batch")
def synth_batch(
    out: Path = typer.Argument(..., help="批次目录（须为空）/ batch folder to create"),
    applicants: int = typer.Option(12, help="申报人数"),
    seed: int = typer.Option(1, help="随机种子"),
    workers: int = typer.Option(2, help="并行生成的进程数"),
    max_dpi: int = typer.Option(0, help="扫描页最高分辨率（0 为不限；小页面用于压力测试）"),
    layouts: str = typer.Option(
        "synth",
        help="版式来源：synth（开发所用）/ blind（按文档说明另行绘制，未参与调优）/ mixed（逐份混合）",
    ),
) -> None:
    """生成带注入问题和标准答案的合成申报批次 / generate a batch with injected faults."""
    from models.exceptions import UsageError
    from synth.batch import generate_batch, truth_path

    try:
        generate_batch(out, applicants=applicants, seed=seed, workers=workers,
                       max_dpi=max_dpi or None, layouts=layouts)  # fmt: skip
    except UsageError as e:
        err.print(f"{e.reason_zh} / {e.detail}")
        raise typer.Exit(2) from e
    err.print(f"已生成批次 / batch: {out}（标准答案 / truth: {truth_path(out)}）")


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", help="演示目录"),
    applicants: int = typer.Option(6, help="申报人数"),
    seed: int = typer.Option(7),
    workers: int = typer.Option(2),
) -> None:
    """生成一个合成批次并核验，给出报告位置 / generate a sample batch, verify it, show the report."""
    import shutil

    from synth.batch import generate_batch

    batch = out / "batch"
    if batch.exists():
        shutil.rmtree(batch)
    out.mkdir(parents=True, exist_ok=True)
    err.print(f"生成合成批次 / generating a sample batch: {batch}")
    truth = generate_batch(batch, applicants=applicants, seed=seed, workers=workers)
    day = truth.to_dict()["as_of"]
    results = run_verify(batch, out / "result", workers, day, debug=False)
    table = Table(title="credcheck 核验演示 / verify demo")
    for col in ("申报编号", "项目", "状态", "疑点", "注入的问题（答案）"):
        table.add_column(col)
    expected = {a["applicant_id"]: a for a in truth.to_dict()["applicants"]}
    for a in results.applicants:
        e = expected.get(a.applicant_id, {})
        table.add_row(a.applicant_id, a.program or "", a.status.value,
                      ", ".join(sorted({f.code.value for f in a.flags})) or "—",
                      ", ".join(e.get("expected_codes", [])) or "—")  # fmt: skip
    Console().print(table)
    _summary(results, out / "result")
    _demo_into_store(batch, out / "result", results, day)


def _demo_into_store(batch: Path, result: Path, results, day: str) -> None:
    """The demo batch as an intake of the data root's store, with this run's results and
    reports, so `credcheck serve` shows it in the reviewers' queue at once."""
    import shutil

    try:
        _data_root(None).mkdir(parents=True, exist_ok=True)  # SQLite makes no folders
        import store

        store.setup(migrate=True)
        from pipelines.intake import finish, import_batch, prepare

        got = import_batch(batch, key="demo")
        p = prepare(got.intake.key, as_of=day, kind="intake")
        p.out.mkdir(parents=True, exist_ok=True)
        for name in ("results.json", "report.html", "report.xlsx", "report.pdf"):
            if (result / name).exists():
                shutil.copy2(result / name, p.out / name)
        finish(p, results)
    except Exception as e:  # noqa: BLE001 - the demo's own output stands without the store
        err.print(f"[yellow]未存入申报库 / not stored[/yellow]：{type(e).__name__}: {e}")
        return
    err.print(f"已存入申报库，申报批次 demo（{p.intake.key}）；运行 credcheck serve 后在审核工作台查看 / "
              "stored as intake 'demo': run `credcheck serve` and open the reviewers' queue")


def main() -> None:  # pragma: no cover
    app()


# ---------------------------------------------------------------- runs that outlive a terminal

DEFAULT_PREFECT_PORT = 4200


def _data_root(data: Path | None) -> Path:
    """--data, else CREDCHECK_DATA, else ./credcheck-data; exported for the store and children."""
    import os

    root = (data or Path(os.environ.get("CREDCHECK_DATA") or "credcheck-data")).expanduser().absolute()
    os.environ["CREDCHECK_DATA"] = str(root)
    # Prefect's persisted results belong in the shared data root, not a worker's home.
    os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(root / "cache"))
    return root


def _api_url_or_exit(what: str) -> str:
    import os

    url = os.environ.get("PREFECT_API_URL", "")
    if not url:
        err.print(
            f"[red]错误 / error[/red] 未设置 PREFECT_API_URL：{what}需要 credcheck 服务器的地址，"
            "例如 export PREFECT_API_URL=http://服务器地址:4200/api（服务器上运行 credcheck serve）"
            " / PREFECT_API_URL is not set"
        )
        raise typer.Exit(2)
    return url


def _server_answers_or_exit(url: str, timeout: float = 30.0) -> None:
    from pipelines.service import wait_healthy

    if not wait_healthy(url.rstrip("/"), timeout):
        err.print(f"[red]错误 / error[/red] 无法连接 credcheck 服务器 {url}（{timeout:.0f} 秒内无响应）"
                  " / the server does not answer")  # fmt: skip
        raise typer.Exit(1)


RECOVER_EVERY = 60  # seconds between serve's looks for crashed runs


def _recover_quietly() -> None:
    """deployments.recover, saying what it did; a failure is told, not fatal to serve."""
    from pipelines.deployments import recover

    try:
        got = recover()
    except Exception as e:  # noqa: BLE001 - the server may be restarting: try next minute
        err.print(f"[yellow]检查中断的运行失败 / recover failed[/yellow] {type(e).__name__}: {e}")
        return
    for intake, run in got.requeued:
        err.print(f"中断的核验已重新排队 / requeued: {intake} → {run}")


@app.command()
def serve(
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认 $CREDCHECK_DATA 或 ./credcheck-data）"),
    prefect_port: int = typer.Option(DEFAULT_PREFECT_PORT, "--prefect-port", help="Prefect 服务器端口（仅绑定 127.0.0.1）"),
    worker_name: str | None = typer.Option(None, "--worker-name", help="本机工作进程的名称"),
    port: int = typer.Option(8000, "--port", help="审核工作台（网页）端口 / web app port"),
    host: str = typer.Option("127.0.0.1", "--host", help="审核工作台监听地址（局域网访问用 0.0.0.0）"),
) -> None:
    """启动服务器、注册任务、工作进程和审核工作台 / run the Prefect server, deployments, a worker and the web app."""
    import os
    import time

    from pipelines import prefect_env, service

    root = _data_root(data)
    api = f"http://127.0.0.1:{prefect_port}/api"
    # Before Prefect is imported, here and in every child: the server's home and database
    # under the data root, and everyone pointed at this server.
    os.environ["PREFECT_HOME"] = str(root / "prefect")
    os.environ["PREFECT_API_URL"] = api
    # A server that lives for months keeps its warnings (prefect_env's CRITICAL is for the
    # temporary servers of `credcheck verify`); then the defaults every run shares.
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    prefect_env.apply()
    db = os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL", "")
    if not db or ":memory:" in db:  # an in-memory database would lose queued work on restart
        os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = (
            f"sqlite+aiosqlite:///{root / 'prefect' / 'prefect.db'}"
        )
    service.server_defaults(os.environ)
    if not service.port_free(prefect_port):
        err.print(f"[red]错误 / error[/red] 端口 {prefect_port} 已被占用，请用 --prefect-port 换一个 / port in use")
        raise typer.Exit(2)
    if not service.port_free(port):
        err.print(f"[red]错误 / error[/red] 端口 {port} 已被占用，请用 --port 换一个 / port in use")
        raise typer.Exit(2)
    (root / "prefect").mkdir(parents=True, exist_ok=True)
    logs = root / "logs"
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stops the children as Ctrl-C
    service.become_subreaper()
    children = service.Children()
    try:
        server = children.start(
            "prefect-server",
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(prefect_port)],
            logs / "prefect-server.log",
        )  # fmt: skip
        import store

        store.setup(migrate=True)  # while the server starts
        if not service.wait_healthy(api, timeout=300, alive=server):
            err.print(f"[red]错误 / error[/red] Prefect 服务器未能启动 / the server did not start:\n"
                      f"{server.log_tail()}")  # fmt: skip
            raise typer.Exit(1)
        from pipelines.deployments import POOL, ensure_pool, register

        created = ensure_pool(working_dir=root)
        names = register()
        worker_argv = [sys.executable, "-m", "pipelines.cli", "worker"]
        if worker_name:
            worker_argv += ["--name", worker_name]
        children.start("worker", worker_argv, logs / "worker.log")
        # The reviewers' web app (webapp/): it submits verifications to the deployments above.
        children.start("web", [sys.executable, "-m", "webapp.server", "--host", host, "--port", str(port)],
                       logs / "web.log")  # fmt: skip
        out = Console()
        out.print(f"credcheck 服务已启动 / serving (Ctrl-C 停止 / to stop)\n"
                  f"  审核工作台 / web:    http://{host}:{port}/（首次使用先运行 credcheck createadmin）\n"
                  f"  Prefect 界面 / UI:   http://127.0.0.1:{prefect_port}\n"
                  f"  Prefect API:         {api}\n"
                  f"  数据目录 / data:     {root}\n"
                  f"  工作池 / work pool:  {POOL}{'（新建 / created）' if created else ''}\n"
                  f"  任务 / deployments:  {', '.join(names)}\n"
                  f"  日志 / logs:         {logs}\n"
                  f"服务器只监听 127.0.0.1；其他机器经隧道或反向代理接入后运行 / other machines, through "
                  f"a tunnel or proxy: PREFECT_API_URL=<地址>/api CREDCHECK_DATA=<共享数据目录> "
                  f"credcheck worker")  # fmt: skip
        checked = time.monotonic()
        while (gone := children.exited()) is None:
            children.reap_orphans()
            if time.monotonic() - checked > RECOVER_EVERY:
                checked = time.monotonic()
                _recover_quietly()
            time.sleep(1)
        err.print(f"[red]错误 / error[/red] 子进程 {gone.name} 已退出（{gone.proc.returncode}）/ a child exited:\n"
                  f"{gone.log_tail()}")  # fmt: skip
        raise typer.Exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stop short
            signal.signal(sig, signal.SIG_IGN)
        err.print("正在停止 / stopping …")
        left = children.stop()
        if left:
            err.print(f"[red]未能停止的进程 / still running: {left}[/red]")


@app.command()
def createadmin(
    username: str = typer.Option(..., "--username", help="管理员用户名"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认 $CREDCHECK_DATA 或 ./credcheck-data）"),
) -> None:
    """创建审核工作台的管理员（密码从终端或标准输入读取）/ create a web app admin."""
    _data_root(data)
    from webapp.server import createadmin_command

    raise typer.Exit(createadmin_command(username))


@app.command()
def worker(
    name: str | None = typer.Option(None, "--name", help="工作进程名称（默认 主机名-进程号）"),
    limit: int = typer.Option(1, "--limit", min=1, help="同时运行的核验数（每个核验用 2 个识别进程）"),
    data: Path | None = typer.Option(None, "--data", help="共享数据目录（默认 $CREDCHECK_DATA）"),
    readers: int = typer.Option(0, "--readers", min=0, help="每个核验的识别进程数（默认 2；一台机器上多个工作进程时用 1）"),
    engine_threads: int = typer.Option(0, "--engine-threads", min=0, help="每个识别进程的线程数（默认 核数÷识别进程数）"),
) -> None:
    """加入 PREFECT_API_URL 所指服务器的工作池 / join the work pool of the server in PREFECT_API_URL."""
    import os
    import socket

    url = _api_url_or_exit("工作进程")
    root = _data_root(data)
    # Prefect's settings for the flow runs too: they start as `python -m prefect.engine`,
    # which imports Prefect before any credcheck module could set them.
    from pipelines import prefect_env

    prefect_env.apply()
    from pipelines.deployments import HEARTBEAT_SECONDS, POLL_SECONDS, READERS_ENV, THREADS_ENV

    # The flow runs inherit this environment (deployments.reading_options).
    if readers:
        os.environ[READERS_ENV] = str(readers)
    if engine_threads:
        os.environ[THREADS_ENV] = str(engine_threads)

    # Heartbeats tell the server this machine's runs are alive; silent ones are crashed
    # and queued again (deployments.recover).
    os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(HEARTBEAT_SECONDS))
    # A part of an intake another worker queued waits for this worker's next poll: Prefect
    # polls every 10 s by default; a poll is one small query.
    os.environ.setdefault("PREFECT_WORKER_QUERY_SECONDS", str(POLL_SECONDS))

    _server_answers_or_exit(url)
    from pipelines.deployments import POOL, ensure_pool

    ensure_pool(working_dir=root)
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    err.print(f"工作进程 {name} 加入 {url} 的工作池 {POOL}，数据目录 {root} / worker joining")
    argv = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--type", "process",
            "--name", name, "--limit", str(limit)]  # fmt: skip
    sys.stdout.flush(), sys.stderr.flush()
    os.execv(sys.executable, argv)  # Prefect's worker handles SIGINT/SIGTERM from here on


@app.command()
def submit(
    folder: Path = typer.Argument(..., help="申报批次目录（含 declared.xlsx 和 packets/）"),
    intake: str | None = typer.Option(None, "--intake", help="申报批次名（默认 项目-年度）"),
    year: int | None = typer.Option(None, "--year", help="申报年度（默认今年）"),
    as_of: str | None = typer.Option(None, "--as-of", help="核验日期 YYYY-MM-DD（默认运行当天）"),
    applicant: list[str] = typer.Option([], "--applicant", help="只核验这些申报人的材料（verify-packet，可多次给出）；默认整批核验"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """把一个批次目录存入申报库并排队核验；打印运行编号 / store a batch folder and queue its verification.

    With --applicant, each named applicant's packet is verified alone (verify-packet), one
    flow run id a line; the cross-applicant checks wait for the next whole-intake run."""
    from datetime import date

    url = _api_url_or_exit("提交")
    _data_root(None)
    _server_answers_or_exit(url)
    if as_of:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            err.print(f"[red]错误 / error[/red] --as-of 应为 YYYY-MM-DD：{as_of}")
            raise typer.Exit(2) from None
    import store

    store.setup()
    from pipelines.intake import import_batch

    try:
        got = import_batch(folder, key=intake, year=year)
    except CredcheckError as e:
        _fail(e, debug)
    except Exception as e:  # noqa: BLE001 - one line unless --debug
        if debug:
            raise
        err.print(f"[red]错误 / error[/red] 存入申报库失败：{type(e).__name__}: {e}"
                  "（申报库未初始化时请先运行 credcheck serve；加 --debug 查看详情）")  # fmt: skip
        raise typer.Exit(1) from None
    p, d = got.packets, got.declared
    err.print(
        f"申报批次 / intake {got.intake.key}：申报人 新增 {len(d.created)}，变更 {len(d.changed)}，"
        f"未变 {len(d.unchanged)}；材料文件 新增 {len(p.added)}，替换 {len(p.replaced)}，未变 {len(p.unchanged)}"
    )
    for rel, reason in got.skipped:
        err.print(f"[yellow]未存入 / not stored[/yellow] {rel}：{reason}")
    from pipelines.deployments import queue_packet, queue_verify
    from store import models as m

    if applicant:
        have = set(m.PacketFile.objects.filter(applicant__intake=got.intake, replaced__isnull=True)
                   .values_list("applicant__applicant_id", flat=True))  # fmt: skip
        missing = [a for a in applicant if a not in have]
        if missing:
            err.print(f"[red]错误 / error[/red] 申报批次 {got.intake.key} 中这些申报人没有材料："
                      f"{'、'.join(missing)} / no files for these applicants")  # fmt: skip
            raise typer.Exit(2)
        runs = [(f"{a}：", queue_packet(got.intake.key, a, as_of=as_of)) for a in applicant]
    else:
        runs = [("", queue_verify(got.intake.key, as_of=as_of))]
    for who, run in runs:
        state = run.state.name if run.state else "?"
        again = "；该状态此前已提交，沿用原运行 / submitted before" if run.state and run.state.is_final() else ""
        err.print(f"{who}核验运行 / flow run: {run.name}（{state}）{again}")
        print(run.id)


def _when(t) -> str:
    from zoneinfo import ZoneInfo

    return t.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%m-%d %H:%M") if t else "—"


@app.command()
def status(
    limit: int = typer.Option(20, "--limit", help="列出的失败运行数"),
) -> None:
    """排队、运行中和失败的核验及原因 / queued, running and failed runs, and why."""
    from datetime import datetime

    url = _api_url_or_exit("查看状态")
    _data_root(None)
    _server_answers_or_exit(url)
    import pipelines.prefect_env  # noqa: F401  # isort: skip  # before Prefect
    import store

    store.setup()
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        WorkPoolFilter,
        WorkPoolFilterName,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    from pipelines.deployments import POOL
    from pipelines.intake import changed_intakes
    from store import models as m
    from store.records import last_completed_run

    active = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED,
              StateType.CANCELLING]  # fmt: skip
    failed = [StateType.FAILED, StateType.CRASHED]
    pool = WorkPoolFilter(name=WorkPoolFilterName(any_=[POOL]))

    def runs(types, n):
        flt = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=types)))
        return client.read_flow_runs(flow_run_filter=flt, work_pool_filter=pool,
                                     sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=n)  # fmt: skip

    # A run whose worker was lost is marked crashed here too, and queued again.
    from pipelines.deployments import recover

    got = recover()
    for intake, run_id in got.requeued:
        err.print(f"中断的核验已重新排队 / requeued: {intake} → {run_id}")
    with get_client(sync_client=True) as client:
        pending, rows = runs(active, 200), runs(failed, limit)
        names = {d.id: d.name for d in client.read_deployments()}
    # Scheduled runs not yet due (the next nights) are no queue: one line says when.
    now = datetime.now(UTC)
    later = [r for r in pending if r.state and r.state.type == StateType.SCHEDULED
             and r.expected_start_time and r.expected_start_time > now]  # fmt: skip
    rows = [r for r in pending if r not in later] + rows
    out = Console()
    table = Table(title=f"核验运行 / flow runs（{POOL}）")
    for col in ("运行 / run", "任务 / deployment", "申报批次 / intake", "状态 / state", "时间 / time", "原因 / why"):
        table.add_column(col)
    for r in rows:
        why = (r.state.message or "") if r.state and r.state.type in failed else ""
        who = "/".join(str(r.parameters[k]) for k in ("intake", "applicant") if r.parameters.get(k))
        table.add_row(str(r.id)[:8], names.get(r.deployment_id, ""), who,
                      r.state.name if r.state else "", _when(r.start_time or r.expected_start_time), why)  # fmt: skip
    out.print(table if rows else "没有排队、运行中或失败的核验 / no queued, running or failed runs")
    if later:
        first = min(later, key=lambda r: r.expected_start_time)
        out.print(f"下次计划运行 / next scheduled: {names.get(first.deployment_id, '')} "
                  f"{_when(first.expected_start_time)}（北京时间 / Asia/Shanghai）")  # fmt: skip

    changed = set(changed_intakes())
    table = Table(title="申报批次 / intakes")
    for col in ("申报批次 / intake", "申报人", "最近完成 / last run", "有疑点 / flagged", "待复核 / changed", "最近失败 / last failure"):
        table.add_column(col)
    for intake in m.Intake.objects.order_by("key"):
        last = last_completed_run(intake)
        fail = intake.runs.exclude(state__in=[m.VerificationRun.State.COMPLETED, m.VerificationRun.State.RUNNING,
                                              m.VerificationRun.State.QUEUED])
        if last is not None:
            fail = fail.filter(created__gt=last.created)
        fail = fail.order_by("-created").first()
        flagged = last.results.filter(status="flagged").count() if last else 0
        table.add_row(intake.key, str(intake.applicants.count()),
                      f"#{last.pk} {_when(last.finished)}" if last else "—",
                      str(flagged) if last else "—", "是" if intake.key in changed else "否",
                      f"{_when(fail.finished)} {fail.reason}" if fail else "")  # fmt: skip
    out.print(table)


if __name__ == "__main__":
    main()
