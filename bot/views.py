"""Replies with buttons built from results, documents and figures; no I/O, no Telegram."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ..retrieval.models import Hit
from ..retrieval.scope import Scope
from ..retrieval.text import fold_spaces
from ..retrieval.wording import copy_ready
from .callbacks import (
    ANSWER,
    CANCEL,
    DELETE,
    DOCS,
    END_SCOPE,
    GROUP_SECTION_PAGE,
    OUTLINE,
    PASSAGE_VOTE,
    REUSE,
    SCOPE_TO,
    SECTION,
    SECTION_PAGE,
    UNANSWERED,
    UNSCOPE,
    VOTE,
    WORDING,
    CallbackCodec,
)
from .memory_views import MemoryViews
from .messages import message
from .render import (
    EXCERPT_CHARS,
    answer_text,
    escape,
    excerpt,
    has_placeholder,
    key_sentences,
    missing_year_line,
    scope_line,
    shorten,
    split_markup,
    utf16_len,
)
from .replies import Article, Button, Reply
from .service import (
    ChunkRecord,
    DocumentInfo,
    IngestResult,
    Stats,
    UnansweredQuestion,
    VoteEffect,
)

GROUP_EXCERPT_CHARS = 120
COPY_LIMIT = 256  # Telegram's CopyTextButton limit
EXPAND_CHARS = 300  # longer sections start folded
DOCS_PER_PAGE = 10
SECTIONS_PER_PAGE = 8
LABEL_CHARS = 28
SECTION_PAGE_CHARS = 3000  # UTF-16 units of report text per page of a section
HEADER_CHARS = 200
INDENT = "　"
VOTES_PER_ROW = 3  # passages per row of 👍/👎 pairs: six short buttons fit a phone's width


class Views(MemoryViews):
    """Reply builders in one language, signing every button with one codec."""

    def __init__(
        self, lang: str, codec: CallbackCodec, per_page: int, timezone: str = "UTC"
    ) -> None:
        self.lang = lang
        self.timezone = ZoneInfo(timezone)
        self.codec = codec
        self.per_page = max(1, per_page)

    def text(self, key: str, **values: object) -> str:
        return message(self.lang, key, **values)

    def button(self, label: str, action: str, *values: int) -> Button:
        return Button(label, data=self.codec.encode(action, *values))

    # answers -----------------------------------------------------------------------------

    def results(
        self,
        wording: bool,
        query: str,
        hits: Sequence[Hit],
        log_id: int,
        *,
        page: int = 0,
        kind: str | None = None,
        from_samples: bool = False,
        group: bool = False,
        tier: str = "confident",
        edit: bool = False,
        scope: Scope | None = None,
    ) -> Reply:
        """One page of an answer, or of copy-ready wording; the filters it applied on top,
        with a button that asks again without them."""
        scoped = scope_line(scope, self.lang, kind)
        widen = ((self.button(self.text("btn_unscope"), UNSCOPE, log_id),),) if scoped else ()
        if not hits:
            text = self.text("not_found", query=escape(shorten(query, 60)))
            return Reply(f"<i>{scoped}</i>\n{text}" if scoped else text, widen, edit, quote=group)
        pages = 1 if group else math.ceil(len(hits) / self.per_page)
        page = min(max(page, 0), pages - 1)
        shown = hits[page * self.per_page : (page + 1) * self.per_page]
        notes = [scoped] if scoped else []
        notes += [missing] if (missing := missing_year_line(scope, self.lang)) else []
        notes += [self.text(f"kind_{kind}")] if kind in ("problem", "plan") else []
        notes += [self.text("page", page=page + 1, pages=pages)] if pages > 1 else []
        head = f"<i>{' · '.join(notes)}</i>\n" if notes else ""
        if wording:
            body, copy_row = self._wording(query, shown, from_samples)
        else:
            body = answer_text(
                query,
                shown,
                from_samples=from_samples,
                lang=self.lang,
                limit=GROUP_EXCERPT_CHARS if group else EXCERPT_CHARS,
                related=tier == "related",
            )
            copy_row = ()
        rows = [
            copy_row,
            tuple(self.section_button(f"📄 {h.rank}", h.chunk_id, group) for h in shown),
        ]
        rows.append(self._pager(WORDING if wording else ANSWER, page, pages, log_id))
        rows.extend(self.draft_rows(shown, log_id))
        rows.append((self.button("👍", VOTE, log_id, 1), self.button("👎", VOTE, log_id, 0)))
        rows += self._passage_votes(shown, log_id)
        rows += widen
        return Reply(
            split_markup(head + body)[0], tuple(r for r in rows if r), edit=edit, quote=group
        )

    def _passage_votes(self, hits: Sequence[Hit], log_id: int) -> list[tuple[Button, ...]]:
        """A 👍/👎 pair per shown passage ("2👎": passage [2] does not answer this question)."""
        pairs = [
            (
                self.button(f"{h.rank}👍", PASSAGE_VOTE, log_id, h.chunk_id, 1),
                self.button(f"{h.rank}👎", PASSAGE_VOTE, log_id, h.chunk_id, 0),
            )
            for h in hits
        ]
        return [
            tuple(b for pair in pairs[i : i + VOTES_PER_ROW] for b in pair)
            for i in range(0, len(pairs), VOTES_PER_ROW)
        ]

    def _wording(
        self, topic: str, hits: Sequence[Hit], from_samples: bool
    ) -> tuple[str, tuple[Button, ...]]:
        """Short sentences in <code> (a tap copies them) with citations, plus copy buttons."""
        lines = [self.text("samples_note")] if from_samples else []
        lines.append(self.text("wording_header", topic=escape(shorten(topic, 40))))
        copies = []
        wordings = [
            copy_ready(key_sentences(hit.text, hit.matched_terms), hit.section_path) for hit in hits
        ]
        for hit, wording in zip(hits, wordings, strict=True):
            lines += [
                "",
                f"<b>[{hit.rank}]</b> <code>{escape(wording)}</code>",
                f"<i>— {escape(hit.citation)}</i>",
            ]
            if len(wording) <= COPY_LIMIT:
                copies.append(Button(self.text("btn_copy", n=hit.rank), copy_text=wording))
        if any(has_placeholder(wording) for wording in wordings):
            lines += ["", self.text("placeholder_note")]
        return "\n".join(lines), tuple(copies)

    def _pager(self, action: str, page: int, pages: int, *before: int) -> tuple[Button, ...]:
        """Previous/next buttons whose payload ends with the page to show."""
        row = []
        if page > 0:
            row.append(self.button(self.text("btn_prev"), action, *before, page - 1))
        if page < pages - 1:
            row.append(self.button(self.text("btn_next"), action, *before, page + 1))
        return tuple(row)

    def section_button(self, label: str, chunk_id: int, group: bool) -> Button:
        """Open a section here, or in a private chat when asked from a group."""
        if group:
            return Button(label, start=f"s{chunk_id}")
        return self.button(label, SECTION, chunk_id)

    def section(
        self,
        records: Sequence[ChunkRecord],
        page: int = 0,
        edit: bool = False,
        group: int | None = None,
    ) -> Reply:
        """One page of a whole section, folded when long; a long section is paged (one
        message per press) instead of sent as a flood of messages."""
        first = records[0]
        body = fold_spaces("\n".join(r.text.strip() for r in records))
        pages = section_pages(body)
        page = min(max(page, 0), len(pages) - 1)
        quote = "<blockquote expandable>" if len(body) > EXPAND_CHARS else "<blockquote>"
        header = escape(shorten(" › ".join((first.doc_title, *first.path)), HEADER_CHARS))
        note = (
            f" <i>{self.text('page', page=page + 1, pages=len(pages))}</i>"
            if len(pages) > 1
            else ""
        )
        rows = [
            self._pager(GROUP_SECTION_PAGE, page, len(pages), first.chunk_id, group)
            if group is not None
            else self._pager(SECTION_PAGE, page, len(pages), first.chunk_id)
        ]
        if len(body) <= COPY_LIMIT:
            rows.append((Button(self.text("btn_copy_section"), copy_text=body),))
        rows.append((self.button(self.text("btn_outline"), OUTLINE, first.doc_id, 0),))
        text = f"<b>{header}</b>{note}\n{quote}{escape(pages[page])}</blockquote>"
        return Reply(split_markup(text)[0], tuple(r for r in rows if r), edit=edit)

    def articles(self, hits: Sequence[Hit]) -> list[Article]:
        """Inline results that insert the passage with its citation."""
        return [
            Article(
                id=str(hit.chunk_id),
                title=shorten(excerpt(hit.text, hit.matched_terms, 60), 60),
                description=shorten(hit.citation, 100),
                text=split_markup(
                    f"{escape(fold_spaces(hit.text))}\n"
                    f"<i>— {escape(hit.citation_under(hit.text))}</i>"
                )[0],
            )
            for hit in hits
        ]

    # documents ---------------------------------------------------------------------------

    def scoped(self, info: DocumentInfo) -> Reply:
        """Confirm that the next questions search one report, with a button to stop."""
        stop = self.button(self.text("btn_end_scope"), END_SCOPE)
        return Reply(self.text("scoped", title=escape(info.title)), ((stop,),))

    def documents(
        self, docs: Sequence[DocumentInfo], page: int, edit: bool = False, pager: bool = True
    ) -> Reply:
        if not docs:
            return Reply(self.text("docs_empty"), edit=edit)
        pages = math.ceil(len(docs) / DOCS_PER_PAGE)
        page = min(max(page, 0), pages - 1)
        shown = docs[page * DOCS_PER_PAGE : (page + 1) * DOCS_PER_PAGE]
        lines = [
            self.text(
                "docs_header", count=len(docs), page=self.text("page", page=page + 1, pages=pages)
            )
        ]
        lines += [
            self.text(
                "doc_line",
                doc_id=d.doc_id,
                title=escape(d.title),
                year=d.year or "-",
                sections=d.sections,
            )
            for d in shown
        ]
        rows = [
            (self.button(shorten(f"[{d.doc_id}] {d.title}", LABEL_CHARS), OUTLINE, d.doc_id, 0),)
            for d in shown
        ]
        if pager:
            rows.append(self._pager(DOCS, page, pages))
        return Reply(split_markup("\n".join(lines))[0], tuple(r for r in rows if r), edit=edit)

    def outline(
        self,
        info: DocumentInfo,
        firsts: Sequence[ChunkRecord],
        page: int,
        *,
        group: bool = False,
        edit: bool = False,
    ) -> Reply:
        """Heading tree of a document with a button per section, paged."""
        pages = max(1, math.ceil(len(firsts) / SECTIONS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = firsts[page * SECTIONS_PER_PAGE : (page + 1) * SECTIONS_PER_PAGE]
        text = "\n".join(
            [
                f"<b>[{info.doc_id}] {escape(info.title)}</b>",
                self.tree(firsts),
                "",
                self.text("outline_hint", page=self.text("page", page=page + 1, pages=pages)),
            ]
        )
        rows = [
            (
                self.section_button(
                    shorten(r.path[-1] if r.path else self.text("opening"), LABEL_CHARS),
                    r.chunk_id,
                    group,
                ),
            )
            for r in shown
        ]
        rows.append(self._pager(OUTLINE, page, pages, info.doc_id))
        rows.append(
            (
                self.button(self.text("btn_scope_doc"), SCOPE_TO, info.doc_id),
                self.button(self.text("btn_reuse"), REUSE, info.doc_id),
            )
        )
        rows.append((self.button(self.text("btn_docs"), DOCS, 0),))
        return Reply(split_markup(text)[0], tuple(r for r in rows if r), edit=edit)

    def tree(self, firsts: Sequence[ChunkRecord]) -> str:
        """Headings indented by depth, each shown once."""
        lines: list[str] = []
        shown: tuple[str, ...] = ()
        for record in firsts:
            for depth in range(len(record.path)):
                if shown[: depth + 1] != record.path[: depth + 1]:
                    shown = record.path[: depth + 1]
                    lines.append(INDENT * depth + escape(record.path[depth]))
        return "\n".join(lines) or self.text("opening")

    # admin -------------------------------------------------------------------------------

    def ingested(self, result: IngestResult, firsts: Sequence[ChunkRecord]) -> list[Reply]:
        """What an upload became: title and outline, or the reason it failed."""
        if result.status in ("failed", "skipped") or result.doc_id is None:
            return [Reply(self.text("ingest_failed", reason=escape(result.reason or "")))]
        key = {"added": "ingest_added", "replaced": "ingest_replaced"}.get(
            result.status, "ingest_unchanged"
        )
        text = self.text(
            key,
            doc_id=result.doc_id,
            title=escape(result.title or ""),
            parts=result.parts,
            sections=result.sections,
            chunks=result.chunks,
        )
        for warning in result.warnings:  # flat, tables, ocr: the same checks as the CLI's
            text += "\n" + self.text(
                f"ingest_{warning.code}", count=warning.count, total=warning.total
            )
        if result.removed is not None:
            text += "\n" + self.text("ingest_removed", doc_id=result.removed)
        pieces = split_markup(f"{text}\n\n{self.tree(firsts)}")
        buttons = (
            (self.button(shorten(result.title or "", LABEL_CHARS), OUTLINE, result.doc_id, 0),),
        )
        return [Reply(p, buttons if i == len(pieces) - 1 else ()) for i, p in enumerate(pieces)]

    def delete_confirm(self, info: DocumentInfo) -> Reply:
        return Reply(
            self.text("delete_confirm", doc_id=info.doc_id, title=escape(info.title)),
            (
                (
                    self.button(self.text("btn_delete"), DELETE, info.doc_id),
                    self.button(self.text("btn_cancel"), CANCEL),
                ),
            ),
        )

    def stats(self, figures: Stats) -> str:
        text = self.text(
            "stats",
            documents=figures.documents,
            chunks=figures.chunks,
            recent=figures.recent_queries,
            queries=figures.queries,
            unanswered=figures.unanswered,
            upvotes=figures.upvotes,
            downvotes=figures.downvotes,
        )
        top = "、".join(f"{escape(shorten(q.query, 30))}（{q.count}）" for q in figures.top_queries)
        return text + ("\n" + self.text("top_queries", queries=top) if top else "")

    def vote_effects(self, effects: Sequence[VoteEffect]) -> str:
        """The latest passage votes and where each moved its passage, for admins."""
        if not effects:
            return self.text("votes_none")
        lines = [self.text("votes_header")]
        for effect in effects:
            stored, vote = effect.stored, effect.stored.vote
            lines.append(
                self.text(
                    "vote_line",
                    mark="👍" if vote.vote > 0 else "👎",
                    query=escape(shorten(vote.question, 40)),
                    chunk=vote.chunk_id,
                    where=escape(shorten(stored.doc_title or self.text("vote_gone"), 30)),
                    voter=escape(vote.voter),
                    before=effect.before or "-",
                    after=effect.after or "-",
                )
            )
        return "\n".join(lines)

    def unanswered(self, rows: Sequence[UnansweredQuestion], first: bool = True) -> str:
        """Questions the reports lack, repeats once with a count, times in bot.timezone."""
        if not rows:
            return self.text("unanswered_none")
        lines = [self.text("unanswered_header")] if first else []
        for row in rows:
            why = (
                self.text("why_down", count=row.downvotes)
                if row.downvotes
                else self.text("why_related" if row.results else "why_empty")
            )
            if row.asked > 1:
                why = self.text("asked_times", count=row.asked, why=why)
            lines.append(
                self.text(
                    "unanswered_line",
                    time=local_time(row.time, self.timezone),
                    query=escape(shorten(row.query, 60)),
                    why=why,
                )
            )
        return "\n".join(lines)

    def more_unanswered(self, page: int) -> Button:
        return self.button(self.text("btn_more"), UNANSWERED, page)


def section_pages(body: str, limit: int = SECTION_PAGE_CHARS) -> list[str]:
    """Cut a section's text into pages of at most `limit` UTF-16 units, at line ends
    where possible."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in body.split("\n"):
        width = utf16_len(line)
        if current and size + 1 + width > limit:
            pages.append("\n".join(current))
            current, size = [], 0
        while width > limit:  # a line longer than a page: cut it
            head, line = _utf16_prefix(line, limit)
            pages.append(head)
            width = utf16_len(line)
        current.append(line)
        size += width + (1 if len(current) > 1 else 0)
    if current or not pages:
        pages.append("\n".join(current))
    return pages


def _utf16_prefix(text: str, units: int) -> tuple[str, str]:
    """The longest prefix of at most `units` UTF-16 units, and the rest."""
    taken = 0
    for index, char in enumerate(text):
        taken += 2 if ord(char) > 0xFFFF else 1
        if taken > units:
            return text[:index], text[index:]
    return text, ""


def local_time(stored: str, zone: ZoneInfo) -> str:
    """A stored UTC timestamp as the team reads it: minutes, in the configured time zone."""
    return datetime.fromisoformat(stored).astimezone(zone).strftime("%Y-%m-%d %H:%M")
