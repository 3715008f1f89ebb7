"""The `reportbot` command: a thin click shell over ReportService."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import datetime
from functools import wraps
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from .. import __version__
from ..errors import ReportbotError
from ..retrieval.evaluation import load_questions
from ..retrieval.models import KINDS, Hit, IngestWarning
from ..retrieval.ranking import RELATED
from .config import DB_ENV, LOG_FORMAT, Settings, load_settings
from .memory_views import figures_text
from .messages import message
from .render import answer_text, missing_year_line, scope_line, to_plain
from .service import MAX_QUERY_CHARS, IngestResult, ReportService, expand_paths

PROGRESS_MIN_FILES = 20
WORD_FILTERS_HELP = "Ignore a report, year or kind the question names (2021年的打算)."


def with_service(command: Callable) -> Callable:
    """Give a command that adds user data --db/--config options and an open ReportService
    (creating the database when its file does not exist yet); map errors to messages."""
    return _with_service(command, existing=False)


def with_existing_service(command: Callable) -> Callable:
    """with_service for commands that add no user data: a database path given explicitly
    (--db, $REPORTBOT_DB or the config) that names no file is a typo to report, not a new
    database to create (the per-user default path is created as usual)."""
    return _with_service(command, existing=True)


def set_log_level(verbose: int, quiet: bool) -> None:
    """-v info, -vv debug, -q errors only; nothing given leaves logging as it is."""
    if quiet or verbose:
        level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO
        logging.basicConfig(format=LOG_FORMAT, level=level)
        logging.getLogger().setLevel(level)  # also after the group's own -v/-q


def _verbose_option(ctx: click.Context, param: click.Parameter, value: int) -> None:
    set_log_level(value, quiet=False)


def _quiet_option(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    set_log_level(0, quiet=value)


VERBOSE_HELP = "Log more (-v info, -vv debug)."
QUIET_HELP = "Log errors only."


_LOG_OPTIONS = (
    (("-v", "--verbose"), {"count": True, "callback": _verbose_option, "help": VERBOSE_HELP}),
    (("-q", "--quiet"), {"is_flag": True, "callback": _quiet_option, "help": QUIET_HELP}),
)


class _LoggingCommand(click.Command):
    """A command that also takes -v/-q after its name (`reportbot ask -v …`), as the group
    does; one with a -v of its own (eval: a line per question) keeps it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        taken = {opt for param in self.params for opt in param.opts}
        self.params += [
            click.Option(list(opts), expose_value=False, **kind)
            for opts, kind in _LOG_OPTIONS
            if opts[0] not in taken
        ]


class CommandGroup(click.Group):
    """A group whose commands, and subgroups' commands, take -v/-q (see _LoggingCommand)."""

    command_class = _LoggingCommand
    group_class = type


def _with_service(command: Callable, existing: bool) -> Callable:

    @click.option("--db", "db", type=click.Path(dir_okay=False), help="Database file.")
    @click.option("--config", "config", type=click.Path(dir_okay=False), help="TOML config file.")
    @click.pass_context
    @wraps(command)
    def wrapper(ctx: click.Context, db: str | None, config: str | None, **kwargs):
        parent = ctx.find_root().params
        path = db or parent.get("db") or os.environ.get(DB_ENV) or "the database"
        try:
            settings = load_settings(config or parent.get("config"))
            override = db or parent.get("db")
            path = settings.db_path(override)
            chosen = override or os.environ.get(DB_ENV) or settings.storage.db
            if existing and chosen and not path.exists():
                raise click.ClickException(
                    f"{path}: no such database (check the path, or ingest reports into it first)"
                )
            with ReportService.open(
                path,
                boilerplate_patterns=settings.ingest.boilerplate_patterns,
                max_file_bytes=settings.ingest.max_file_bytes,
                engine=settings.search.engine,
            ) as service:
                return command(service, settings, **kwargs)
        except (ReportbotError, sqlite3.DatabaseError, OSError) as error:
            if isinstance(error, BrokenPipeError):  # `| head`: click exits quietly
                raise
            raise click.ClickException(one_line(error, path)) from error

    return wrapper


def one_line(error: Exception, db: str | Path) -> str:
    """What went wrong, in one line: reportbot's own errors say it already; SQLite's and the
    file system's get the file they are about."""
    if isinstance(error, sqlite3.DatabaseError):
        return f"{db} is not a reportbot database, or is damaged ({error})"
    if isinstance(error, OSError):
        return f"{error.filename or db}: {error.strerror or error}"
    return str(error)


@click.group(cls=CommandGroup)
@click.version_option(__version__, prog_name="reportbot")
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar=None,
    help="Database file (else $REPORTBOT_DB, else config, else per-user default).",
)
@click.option(
    "--config", type=click.Path(dir_okay=False), help="TOML config file (else $REPORTBOT_CONFIG)."
)
@click.option("-v", "--verbose", count=True, help=VERBOSE_HELP)
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
def cli(db: str | None, config: str | None, verbose: int, quiet: bool) -> None:
    """Answer questions about work reports with cited passages.

    \b
    Example:
        reportbot ingest reports/
        reportbot ask "支部书记签了几份责任书？"
    """
    set_log_level(verbose, quiet)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@with_service
def ingest(service: ReportService, settings: Settings, paths: tuple[str, ...]) -> None:
    """Add reports (.txt .md .docx .doc .wps .pdf, scans; folders recursively) to the database.

    Prints one line per file. Exit status 1 if any file failed.

    \b
    Example:
        reportbot ingest 2023年总结.docx reports/
    """
    show_bar = len(paths) > PROGRESS_MIN_FILES or any(Path(p).is_dir() for p in paths)
    with _Progress(len(expand_paths(paths)[0]) if show_bar else 0) as progress:
        results = service.ingest(paths, progress=progress.report)
    for result in results:
        if result.status == "skipped":
            click.echo(_ingest_line(result))
    counts = {
        s: sum(1 for r in results if r.status == s)
        for s in ("added", "replaced", "unchanged", "skipped", "failed", "not added")
    }
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to ingest")
    stop = next((r.reason for r in results if r.status == "not added"), None)
    if stop:
        click.echo(
            f"stopped: {stop}; {counts['not added']} file(s) not added, the database "
            "keeps the ones added",
            err=True,
        )
    if counts["failed"] or stop:
        sys.exit(1)


def _warning_text(warning: IngestWarning) -> str:
    if warning.code == "tables":
        return (
            f"mostly tables ({warning.count} of {warning.total} lines are table rows); "
            "check that the rows read well as passages"
        )
    if warning.code == "ocr":
        return (
            f"text of {warning.count} of {warning.total} pages came from OCR; "
            "spot-check the passages (reportbot outline, search)"
        )
    return "no heading structure found, the whole file became one section"


class _Progress:
    """Per-file lines, under a progress bar of the real length on a terminal's stderr: each
    line erases the bar first and the bar is drawn again below it, so neither breaks."""

    def __init__(self, total: int) -> None:
        self._bar = (
            click.progressbar(length=total, file=sys.stderr, label="ingesting", show_pos=True)
            if total and sys.stderr.isatty()
            else None
        )

    def __enter__(self) -> _Progress:
        if self._bar:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar:
            self._bar.__exit__(*exc)

    def report(self, result: IngestResult) -> None:
        if self._bar:
            click.echo("\r\033[K", nl=False, err=True)
        click.echo(_ingest_line(result))
        if result.status in ("added", "replaced"):
            for warning in result.warnings:
                click.echo(f"warning: {Path(result.path).name}: {_warning_text(warning)}", err=True)
        if self._bar:
            self._bar.update(1)


def _ingest_line(result: IngestResult) -> str:
    name = Path(result.path).name
    if result.status in ("failed", "skipped"):
        return f"{result.status}: {result.reason}"
    if result.status == "not added":
        return f"not added: {name}"
    detail = f"{name} [{result.doc_id}] {result.title}"
    if result.status == "unchanged":
        return f"unchanged: {detail}"
    return (
        f"{result.status}: {detail} ({result.parts} parts, {result.sections} sections, "
        f"{result.chunks} chunks)"
    )


def _hit_json(hit: Hit, sample: bool) -> dict:
    """A hit as `search --json` prints it; `confident` false marks a related-only passage."""
    data = {f.name: getattr(hit, f.name) for f in fields(hit)}  # flat: asdict deep-copies
    data["sample"] = sample
    data["section_path"] = list(hit.section_path)
    data["matched_terms"] = list(hit.matched_terms)
    data["also_in"] = list(hit.also_in)
    data["citation"] = hit.citation
    return data


@cli.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=click.IntRange(1, 100), default=None, help="How many passages.")
@click.option("--doc", "doc_id", type=int, help="Only this document id.")
@click.option("--kind", type=click.Choice(KINDS[:3]), help="Only work, problem or plan sections.")
@click.option("--year", type=int, help="Only documents of this year.")
@click.option("--unfiltered", is_flag=True, help=WORD_FILTERS_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON array (JSON Lines for stdin queries).")
@with_existing_service
def search(
    service: ReportService,
    settings: Settings,
    query: str | None,
    k: int | None,
    doc_id: int | None,
    kind: str | None,
    year: int | None,
    unfiltered: bool,
    as_json: bool,
) -> None:
    """Top passages for QUERY, best first; nothing when the reports do not cover it.

    With --json and no QUERY, reads one query per line from standard input and prints
    one JSON array per line (an empty line gets []: output lines pair with input lines).

    \b
    Example:
        reportbot search 党员发展 -k 3 --kind work --json
    """
    k = k or settings.search.results
    filters = {"doc_id": doc_id, "kind": kind, "year": year, "words": not unfiltered}
    if doc_id is not None:
        service.document(doc_id)  # a mistyped id is an error, not "no passages found"
    if query is None:
        if not as_json:
            raise click.UsageError("QUERY is required unless --json reads queries from stdin")
        service.warm_up()  # many questions: the compiled kernel pays off
        for line in sys.stdin:
            response = service.search(line.strip(), k, **filters) if line.strip() else None
            hits = [_hit_json(h, response.from_samples) for h in response.hits] if response else []
            click.echo(json.dumps(hits, ensure_ascii=False))
        return
    check_question(query, settings)
    response = service.search(query, k, **filters)
    if as_json:
        click.echo(
            json.dumps(
                [_hit_json(h, response.from_samples) for h in response.hits],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not response.hits:
        click.echo("no passages found")
    elif response.tier == RELATED:
        click.echo("(no passage answers this directly: these are related)")
    if response.hits and response.from_samples:
        click.echo("(no reports ingested yet: these passages come from the built-in samples)")
    for hit in response.hits:
        related = "" if hit.confident else ", related"
        click.echo(
            f"[{hit.rank}] {hit.score:.2f}  {hit.citation}  (chunk {hit.chunk_id}, "
            f"{hit.kind}{related})"
        )
        click.echo("    " + " ".join(hit.text.split()))


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 20), default=None, help="How many passages.")
@click.option("--unfiltered", is_flag=True, help=WORD_FILTERS_HELP)
@with_existing_service
def ask(
    service: ReportService, settings: Settings, query: str, k: int | None, unfiltered: bool
) -> None:
    """The answer a chat user gets: cited passages [1], [2]… or a plain not-found.

    \b
    Example:
        reportbot ask "有没有关于作风建设的提法"
    """
    check_question(query, settings)
    response = service.search(query, k or settings.search.results, words=not unfiltered)
    for note in (
        scope_line(response.scope, settings.bot.language),
        missing_year_line(response.scope, settings.bot.language),
    ):
        if note:
            click.echo(to_plain(note))
    click.echo(
        to_plain(
            answer_text(
                query,
                response.hits,
                from_samples=response.from_samples,
                lang=settings.bot.language,
                full=True,
                related=response.tier == RELATED,
            )
        )
    )
    figures = service.figures(query)
    if figures is not None:
        click.echo("\n" + to_plain(figures_text(settings.bot.language, figures)))


def check_question(query: str, settings: Settings) -> None:
    """Refuse an empty question, and one over the chat's length limit with the chat's words."""
    length = len(" ".join(query.split()))
    if not length:
        raise click.UsageError("the question is empty")
    if length > MAX_QUERY_CHARS:
        text = message(settings.bot.language, "too_long", length=length, limit=MAX_QUERY_CHARS)
        raise click.UsageError(text)


class _ListByDefault(CommandGroup):
    """`docs 述职` is `docs list 述职`: a word that names no subcommand is a title filter."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["list", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_ListByDefault, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="JSON array of documents.")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Database file.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="TOML config file.")
@click.pass_context
def docs(ctx: click.Context, as_json: bool, db: str | None, config: str | None) -> None:
    """List stored documents with their ids and organisations, newest first (same as
    `docs list`; `docs 述职` lists those whose title contains the word).

    \b
    Example:
        reportbot docs 述职 --json
        reportbot docs set-org 3 青岚县税务局机关党委
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(docs_list, title=None, as_json=as_json, db=db, config=config)


@docs.command(name="list")
@click.argument("title", required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON array of documents.")
@with_existing_service
def docs_list(service: ReportService, settings: Settings, title: str | None, as_json: bool) -> None:
    """List stored documents with their ids and organisations, newest first; TITLE keeps
    those whose title contains it.

    \b
    Example:
        reportbot docs list 述职 --json
    """
    documents = service.documents(title)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "doc_id": d.doc_id,
                        "title": d.title,
                        "year": d.year,
                        "org": d.org,
                        "source": d.source,
                        "sections": d.sections,
                        "chunks": d.chunks,
                        "format": d.format,
                        "sample": d.sample,
                        "ingested_at": d.ingested_at,
                    }
                    for d in documents
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if title and not documents:
        click.echo(f"no report title contains “{title}”")
    for d in documents:
        sample = "  (sample)" if d.sample else ""
        click.echo(
            f"[{d.doc_id}] {d.title}  {d.year or '-'}  {d.org or '-'}  {d.sections} sections, "
            f"{d.chunks} chunks{sample}"
        )


@docs.command(name="set-org")
@click.argument("doc_id", type=int)
@click.argument("name")
@with_existing_service
def docs_set_org(service: ReportService, settings: Settings, doc_id: int, name: str) -> None:
    """File document DOC_ID under organisation NAME (compare and reuse group by it).

    \b
    Example:
        reportbot docs set-org 3 青岚县税务局机关党委
    """
    info = service.set_org(doc_id, name)
    click.echo(f"[{info.doc_id}] {info.title}: {info.org}")


@cli.command()
@click.argument("doc_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The document and its sections as JSON.")
@with_existing_service
def outline(service: ReportService, settings: Settings, doc_id: int, as_json: bool) -> None:
    """Show a document's heading tree with the kind of each section.

    \b
    Example:
        reportbot outline 3
    """
    info, sections = service.outline(doc_id)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "doc_id": info.doc_id,
                    "title": info.title,
                    "year": info.year,
                    "sections": [
                        {"path": list(r.path), "kind": r.kind, "chunk_id": r.chunk_id}
                        for r in sections
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"[{info.doc_id}] {info.title}")
    shown: list[str] = []
    for record in sections:
        for depth, heading in enumerate(record.path):
            if shown[: depth + 1] != list(record.path[: depth + 1]):
                shown = list(record.path[: depth + 1])
                label = f"  ({record.kind})" if depth == len(record.path) - 1 else ""
                click.echo("  " * (depth + 1) + heading + label)
        if not record.path:
            click.echo(f"  (opening text, {record.kind})")


@cli.group()
def synonyms() -> None:
    """The team's own synonyms: words people type → words the reports use.

    Pairs apply both ways, at once in every running bot, on top of the shipped table.

    \b
    Example:
        reportbot synonyms add 一把手 第一责任人
    """


@synonyms.command(name="add")
@click.argument("word")
@click.argument("synonym")
@with_service
def synonyms_add(service: ReportService, settings: Settings, word: str, synonym: str) -> None:
    """Treat WORD and SYNONYM as the same in questions.

    \b
    Example:
        reportbot synonyms add 开会 召开会议
    """
    added = service.add_synonym(word, synonym, added_by="cli")
    click.echo(f"{'added' if added else 'already there'}: {word} = {synonym}")


@synonyms.command(name="remove")
@click.argument("word")
@click.argument("synonym", required=False)
@with_existing_service
def synonyms_remove(
    service: ReportService, settings: Settings, word: str, synonym: str | None
) -> None:
    """Forget a pair, or every pair of WORD (exit status 1 if there is no such pair).

    \b
    Example:
        reportbot synonyms remove 一把手
    """
    removed = service.remove_synonym(word, synonym)
    if not removed:
        raise click.ClickException(f"no such pair: {' = '.join(filter(None, (word, synonym)))}")
    click.echo(f"removed {removed} pair(s)")


@synonyms.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="JSON array of [word, synonym] pairs.")
@with_existing_service
def synonyms_list(service: ReportService, settings: Settings, as_json: bool) -> None:
    """Show the team's pairs.

    \b
    Example:
        reportbot synonyms list --json
    """
    pairs = service.synonyms()
    if as_json:
        click.echo(json.dumps(pairs, ensure_ascii=False))
        return
    for word, synonym in pairs:
        click.echo(f"{word} = {synonym}")
    if not pairs:
        click.echo("no synonyms of the team's own yet")


@cli.command()
@click.argument("doc_id", type=int)
@with_existing_service
def delete(service: ReportService, settings: Settings, doc_id: int) -> None:
    """Delete a document and its passages.

    \b
    Example:
        reportbot delete 3
    """
    info = service.delete(doc_id)
    click.echo(f"deleted: [{info.doc_id}] {info.title}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@with_existing_service
def stats(service: ReportService, settings: Settings, as_json: bool) -> None:
    """Database location, size, documents, chunks and query figures.

    \b
    Example:
        reportbot stats --json
    """
    figures = asdict(service.stats())
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    days = figures.pop("recent_days")
    for key, value in figures.items():
        if key == "top_queries":
            value = "; ".join(f"{q['query']} ({q['count']})" for q in value) or "-"
        click.echo(f"{f'queries_last_{days}_days' if key == 'recent_queries' else key}: {value}")


@cli.command()
@click.argument("destination", type=click.Path(dir_okay=False))
@with_existing_service
def backup(service: ReportService, settings: Settings, destination: str) -> None:
    """Copy the database to DESTINATION (a new file in an existing folder) with SQLite's
    online backup (safe while serving).

    Restore by stopping the bot and copying the backup over the database file.

    \b
    Example:
        reportbot backup /backups/reportbot-2026-11-23.db
    """
    path = service.backup(destination)
    click.echo(f"backed up {service.path} to {path} ({path.stat().st_size:,} bytes)")


@cli.command(name="export-log")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Only questions from this date on (YYYY-MM-DD, in bot.timezone).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@with_existing_service
def export_log(
    service: ReportService, settings: Settings, since: datetime | None, fmt: str
) -> None:
    """Print the query log with 👍/👎 counts, for your own analysis.

    \b
    Example:
        reportbot export-log --since 2026-11-01 --format csv > questions.csv
    """
    zone = ZoneInfo(settings.bot.timezone)
    rows = (asdict(r) for r in service.export_log(since and since.replace(tzinfo=zone)))
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    writer = None
    for row in rows:
        line = io.StringIO()
        if writer is None:
            csv.DictWriter(line, fieldnames=list(row)).writeheader()
        writer = csv.DictWriter(line, fieldnames=list(row))
        writer.writerow(row)
        click.echo(line.getvalue(), nl=False)


@cli.command(name="eval")
@click.argument("qrels", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="One line per question.")
@with_existing_service
def eval_command(
    service: ReportService, settings: Settings, qrels: str, as_json: bool, verbose: bool
) -> None:
    """Measure hit@1, hit@5, MRR@10, confident answers and off-topic answers on a question
    file, overall and per question kind (nothing is written to the query log).

    \b
    Example:
        reportbot eval ../shared/eval/dev.jsonl
    """
    try:
        questions = load_questions(Path(qrels))
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{qrels}: not UTF-8 text (save it as UTF-8)") from error
    report = service.evaluate(questions)
    summary = report.summary()
    if verbose:
        for q in report.questions:
            mark = (
                ("nothing" if not q.results else "ANSWERED")
                if not q.in_domain
                else (f"hit@{q.first_hit}" if q.first_hit else "MISS")
            )
            tier = "confident" if q.confident else ("related" if q.results else "nothing")
            click.echo(f"{q.id}\t{q.kind}\t{mark}\t{tier}\t{q.results}\t{q.query}")
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    for name, figures in [("all", summary), *summary["kinds"].items()]:
        click.echo(_eval_line(name, figures))


def _eval_line(name: str, f: dict) -> str:
    parts = [f"{name:<11} {f['questions']:>4} questions"]
    if f.get("in_domain"):
        parts.append(
            f"hit@1 {f['hit@1']:.3f}  hit@5 {f['hit@5']:.3f}  MRR@10 {f['mrr@10']:.3f}"
            f"  confident {f['confident']:.3f}  nothing {f['nothing_returned']}"
        )
    if f.get("off_topic"):
        parts.append(f"off-topic answered {f['off_topic_answered']}/{f['off_topic']}")
    if f.get("near"):
        parts.append(
            f"near-domain confident {f['near_confident']}/{f['near']}"
            f" (related {f['near_answered'] - f['near_confident']})"
        )
    return "  ".join(parts)


@cli.command()
@with_service
def serve(service: ReportService, settings: Settings) -> None:
    """Run the Telegram bot: long polling, or a webhook if telegram.webhook_url is set.

    The token comes from $TELEGRAM_BOT_TOKEN (or the file telegram.token_file names),
    never from the command line. The config must list who may ask (access.*) unless
    access.public = true. Stop it with Ctrl-C or SIGTERM.

    \b
    Example:
        export TELEGRAM_BOT_TOKEN=123456:ABC...
        reportbot serve --config config.toml
    """
    from .telegram_app import serve as serve_bot  # PTB loads only for the bot

    try:
        token = settings.token()
    except OSError as error:
        raise click.ClickException(f"cannot read telegram.token_file: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise click.ClickException("telegram.token_file is not UTF-8 text") from error
    if not token:
        raise click.ClickException(
            "no bot token: set TELEGRAM_BOT_TOKEN (or telegram.token_file in the config)"
        )
    serve_bot(settings, service, token)


@cli.command()
@with_existing_service
def chat(service: ReportService, settings: Settings) -> None:
    """Talk to the bot in the terminal: the same replies as in Telegram, as plain text.

    Type a question or a command (/docs, /doc 1, /wording 主题 …) per line; #N presses
    button N of the last reply. End with /quit or Ctrl-D.

    \b
    Example:
        echo "支部书记签了几份责任书？" | reportbot chat
    """
    from .terminal import repl, terminal_conversation, typed_lines

    lines = sys.stdin
    if sys.stdin.isatty():
        click.echo(
            "reportbot chat — /help for commands, #N presses a button, /quit or Ctrl-D quits",
            err=True,
        )
        lines = typed_lines()
    repl(terminal_conversation(service, settings), lines, click.echo)


from .cli_feedback import feedback  # noqa: E402  (its commands use with_service above)

cli.add_command(feedback)
from . import cli_memory  # noqa: E402, F401  (registers compare, reuse, facts, draft)
