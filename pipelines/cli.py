"""The `credcheck` command. Messages are Chinese first, English after a slash where cheap."""

from __future__ import annotations

import json
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
) -> None:
    """生成带标准答案的合成证书扫描件 / generate synthetic certificate scans with ground truth."""
    from synth.generate import generate_documents

    docs = generate_documents(
        out, per_difficulty=per_difficulty, seed=seed,
        difficulties=tuple(d.strip() for d in difficulties.split(",") if d.strip()),
    )  # fmt: skip
    err.print(f"已生成 {len(docs)} 页 / pages → {out} （标准答案 truth.json）")


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", help="输出目录"),
    seed: int = typer.Option(7),
) -> None:
    """生成一小批合成证书并识别，对照标准答案 / generate a few certificates, read, compare."""
    from extractors.read import Reader
    from synth.generate import generate_documents

    out.mkdir(parents=True, exist_ok=True)
    docs_dir = out / "documents"
    truth = generate_documents(docs_dir, per_difficulty=4, seed=seed,
                               difficulties=("clean", "ordinary"))  # fmt: skip
    table = Table(title="credcheck 读取演示 / reading demo")
    for col in ("文件", "类型(答案)", "类型(识别)", "字段一致", "不一致的字段"):
        table.add_column(col)
    results = []
    with Reader() as reader:
        by_file: dict[str, list] = {}
        for t in truth:
            by_file.setdefault(t.file, []).append(t)
        for rel, truths in by_file.items():
            try:
                reading = reader.read_file(docs_dir / rel, rel=rel)
            except CredcheckError as e:
                table.add_row(rel, truths[0].doc_type, "—", "—", e.reason_zh)
                continue
            results.append(reading.model_dump(mode="json"))
            for t in truths:
                doc = next((d for d in reading.documents if d.page == t.page), None)
                got = doc.values() if doc else {}
                wrong = [k for k, v in t.fields.items() if got.get(k) != v]
                ok = len(t.fields) - len(wrong)
                diffs = ", ".join(f"{k}: {got.get(k)!r}≠{t.fields[k]!r}" for k in wrong)
                found = doc.doc_type if doc else "—"
                table.add_row(rel, t.doc_type, found, f"{ok}/{len(t.fields)}", diffs)
    (out / "readings.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    Console().print(table)
    err.print(f"识别结果 / readings: {out / 'readings.json'}")


def main() -> None:  # pragma: no cover
    app()
