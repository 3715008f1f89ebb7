"""`reportbot feedback`: vote for passages from the command line, list and clear votes."""

from __future__ import annotations

import json

import click

from .access import login_name
from .cli import CommandGroup, with_existing_service, with_service
from .config import Settings
from .service import ReportService, VoteEffect


class VoteOrManage(CommandGroup):
    """A group whose first argument is either a subcommand (list, clear) or a question."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["vote", *args]
        return super().parse_args(ctx, args)


@click.group(cls=VoteOrManage)
def feedback() -> None:
    """Teach the ranking: say a passage does (up) or does not (down) answer a question.

    `feedback QUERY CHUNK_ID up|down` votes as a 👍/👎 under that passage in chat does;
    the passage then ranks higher (lower) for that question and, less, for questions
    sharing its words. Votes never make an unrelated passage an answer.

    \b
    Example:
        reportbot feedback "支部书记签了几份责任书？" 81 down --user alice
        reportbot feedback list
        reportbot feedback clear 81
    """


@feedback.command(name="vote")
@click.argument("query")
@click.argument("chunk_id", type=int)
@click.argument("direction", type=click.Choice(["up", "down"]))
@click.option("--user", "user", help="Who votes (default: your login name).")
@with_service
def feedback_vote(
    service: ReportService,
    settings: Settings,
    query: str,
    chunk_id: int,
    direction: str,
    user: str | None,
) -> None:
    """Vote for passage CHUNK_ID as an answer to QUERY (same as `feedback QUERY …`).

    \b
    Example:
        reportbot feedback vote "作风建设" 98 up
    """
    service.vote_passage(query, chunk_id, direction == "up", voter=user or login_name("cli"))
    moved = _moved(*service.placement(query, chunk_id))
    click.echo(f"recorded: {direction} on passage {chunk_id} for “{query}” ({moved})")


@feedback.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="JSON array of votes.")
@with_existing_service
def feedback_list(service: ReportService, settings: Settings, as_json: bool) -> None:
    """Show every vote, newest first, with where it moved its passage for its question.

    \b
    Example:
        reportbot feedback list --json
    """
    effects = service.vote_effects(None)
    if as_json:
        click.echo(json.dumps([_effect_json(e) for e in effects], ensure_ascii=False, indent=2))
        return
    for effect in effects:
        click.echo(_effect_lines(effect))
    if not effects:
        click.echo("no votes yet")


@feedback.command(name="clear")
@click.argument("chunk_id", type=int, required=False)
@with_existing_service
def feedback_clear(service: ReportService, settings: Settings, chunk_id: int | None) -> None:
    """Forget the votes on passage CHUNK_ID, or every vote: the ranking is as before.

    \b
    Example:
        reportbot feedback clear 81
    """
    click.echo(f"cleared {service.clear_votes(chunk_id)} vote(s)")


def _moved(before: int | None, after: int | None) -> str:
    """Where the passage ranks for the voted question without → with the team's votes."""
    return f"{_rank(before)} → {_rank(after)}"


def _rank(rank: int | None) -> str:
    return f"rank {rank}" if rank else "not shown"


def _effect_lines(effect: VoteEffect) -> str:
    """A vote, its passage's citation, and where it moved the passage."""
    stored, vote = effect.stored, effect.stored.vote
    where = " › ".join((stored.doc_title, *stored.section_path)) if stored.doc_title else "-"
    moved = _moved(effect.before, effect.after) if stored.doc_title else "passage deleted"
    return (
        f"{'👍' if vote.vote > 0 else '👎'} [{vote.chunk_id}] {where}\n"
        f"    for “{vote.question}” by {vote.voter} ({stored.source}, {vote.time[:16]}): {moved}"
    )


def _effect_json(effect: VoteEffect) -> dict:
    stored, vote = effect.stored, effect.stored.vote
    return {
        "question": vote.question,
        "chunk_id": vote.chunk_id,
        "vote": "up" if vote.vote > 0 else "down",
        "voter": vote.voter,
        "source": stored.source,
        "time": vote.time,
        "doc_title": stored.doc_title,
        "section_path": list(stored.section_path or ()),
        "rank_before": effect.before,
        "rank_after": effect.after,
    }
