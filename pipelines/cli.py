"""The `credcheck` command. Messages are Chinese first, English after a slash where cheap."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
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
) -> None:
    """生成带注入问题和标准答案的合成申报批次 / generate a batch with injected faults."""
    from synth.batch import generate_batch, truth_path

    generate_batch(out, applicants=applicants, seed=seed, workers=workers, max_dpi=max_dpi or None)
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


def main() -> None:  # pragma: no cover
    app()
