"""`reportbot compare / reuse / facts / draft`: reports across years, as thin commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import _hit_json, cli, with_existing_service
from .config import Settings
from .memory import YearBlock
from .memory_views import sum_text
from .service import FactRecord, ReportService


def _dump(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def compare_json(block: YearBlock) -> dict:
    """A year as `compare --json` prints it: its passages as in `search --json`, plus
    `repeated_from` on a passage that repeats an earlier year word for word."""
    passages = []
    for compared in block.passages:
        data = _hit_json(compared.hit, block.sample)
        source = compared.repeated_from
        if source is not None:
            data["repeated_from"] = {
                "doc_id": source.doc_id,
                "chunk_id": source.chunk_id,
                "year": compared.repeated_year,
                "doc_title": source.doc_title,
            }
        passages.append(data)
    return {
        "year": block.year,
        "org": block.org,
        "doc_id": block.doc_id,
        "doc_title": block.doc_title,
        "passages": passages,
    }


def fact_json(fact: FactRecord) -> dict:
    return {
        "what": fact.what,
        "number": fact.number,
        "unit": fact.unit,
        "doc_id": fact.doc_id,
        "doc_title": fact.doc_title,
        "section_path": list(fact.section_path),
        "text": fact.text,
    }


@cli.command()
@click.argument("topic")
@click.option("--org", help="Organisation (else the one with most years on the topic).")
@click.option("--json", "as_json", is_flag=True, help="JSON array, newest year first.")
@with_existing_service
def compare(
    service: ReportService, settings: Settings, topic: str, org: str | None, as_json: bool
) -> None:
    """One organisation's passages on TOPIC year by year, newest first, marking what
    repeats an earlier year word for word.

    \b
    Example:
        reportbot compare 党风廉政建设 --org 青岚县税务局机关党委
    """
    if not topic.strip():
        raise click.UsageError("the topic is empty")
    blocks = service.compare(topic, org)
    if as_json:
        _dump([compare_json(b) for b in blocks])
        return
    if not blocks:
        click.echo("no organisation has reports of two years or more on this topic")
    for block in blocks:
        click.echo(f"== {block.year} [{block.doc_id}] {block.doc_title}")
        for compared in block.passages:
            source = compared.repeated_from
            mark = (
                f"same as {compared.repeated_year} (chunk {source.chunk_id})"
                if source
                else f"partly earlier: {compared.repeated}/{compared.sentences} sentences"
                if compared.repeated
                else "new"
            )
            click.echo(
                f"  [{mark}] (chunk {compared.hit.chunk_id}) " + " ".join(compared.hit.text.split())
            )


@cli.command()
@click.argument("doc_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@with_existing_service
def reuse(service: ReportService, settings: Settings, doc_id: int, as_json: bool) -> None:
    """How much of report DOC_ID repeats earlier reports: the share of its sentences and
    the longest repeated passages with their sources.

    \b
    Example:
        reportbot reuse 6 --json
    """
    report = service.reuse(doc_id)
    passages = [
        {
            "text": p.text,
            "source_doc_id": p.source_doc_id,
            "chunk_id": p.chunk_id,
            "source_chunk_id": p.source_chunk_id,
        }
        for p in report.passages
    ]
    if as_json:
        _dump({"share": report.share, "passages": passages})
        return
    click.echo(
        f"{report.share:.0%} of {report.sentences} sentences repeat earlier reports "
        f"({report.repeated} sentences)"
    )
    for passage in passages:
        click.echo(f"  [from {passage['source_doc_id']}] {passage['text']}")


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="JSON array of figures.")
@with_existing_service
def facts(service: ReportService, settings: Settings, query: str, as_json: bool) -> None:
    """Counts and amounts on QUERY found in the reports, with their sources (a placeholder
    X/XX has number null).

    \b
    Example:
        reportbot facts "一共开展了多少次主题党日" --json
    """
    if not query.strip():
        raise click.UsageError("the question is empty")
    found = service.facts(query)
    if as_json:
        _dump([fact_json(f) for f in found])
        return
    if not found:
        click.echo("no figures found")
    for fact in found:
        click.echo(
            f"{fact.what} {fact.shown}  — {' › '.join((fact.doc_title, *fact.section_path))}"
        )
    figures = service.figures(query) if found else None
    line = sum_text("en", figures) if figures is not None else ""  # as the bot's English
    if line:
        click.echo(line)


@cli.command()
@click.argument("topic")
@click.argument("chunk_ids", nargs=-1, type=int)
@click.option("--pick", is_flag=True, help="The passages (chunk ids) follow: --pick 12 15 31.")
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True, help="The .docx.")
@with_existing_service
def draft(
    service: ReportService,
    settings: Settings,
    topic: str,
    chunk_ids: tuple[int, ...],
    pick: bool,
    output: str,
) -> None:
    """Write a .docx draft on TOPIC from the picked passages: grouped by kind, numbering
    removed, placeholders highlighted, each with its source.

    \b
    Example:
        reportbot draft 党风廉政建设 --pick 12 15 31 -o 草稿.docx
    """
    if not pick or not chunk_ids:
        raise click.UsageError("name the passages: --pick CHUNK_ID [CHUNK_ID…]")
    path = Path(output)
    path.write_bytes(service.draft(topic, chunk_ids))
    click.echo(f"wrote {path} ({len(chunk_ids)} passages)")
