"""Replies of the team-memory features: years compared, reuse, figures, draft buttons.

A mixin of Views (it uses `text` and `button`); no I/O, no Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..retrieval.models import Hit
from ..retrieval.reuse import ReuseReport
from .callbacks import DRAFT, PICK
from .memory import Figures, YearBlock
from .messages import message
from .render import escape, excerpt, shorten, split_markup
from .replies import Button, Reply

COMPARE_EXCERPT_CHARS = 160
REUSE_SHOWN_CHARS = 200
FACTS_IN_LINE = 6
TITLE_CHARS = 40


class MemoryViews:
    """Reply builders for /compare, /reuse, the figures line and the draft buttons
    (Views provides `lang`, `text` and `button`)."""

    def compare(self, topic: str, blocks: Sequence[YearBlock]) -> list[Reply]:
        """One block per year, newest first: each passage marked new or repeated."""
        if not blocks:
            return [Reply(self.text("compare_none", topic=escape(shorten(topic, 40))))]
        lines = [self.text("compare_header", org=escape(blocks[0].org), topic=escape(topic))]
        for block in blocks:
            lines += [
                "",
                self.text(
                    "compare_year",
                    year=block.year,
                    doc_id=block.doc_id,
                    title=escape(shorten(block.doc_title, TITLE_CHARS)),
                ),
            ]
            for compared in block.passages:
                if compared.repeated_from:
                    mark = self.text("compare_repeated", year=compared.repeated_year)
                elif compared.repeated:
                    mark = self.text(
                        "compare_partly", repeated=compared.repeated, sentences=compared.sentences
                    )
                else:
                    mark = self.text("compare_new")
                body = excerpt(compared.hit.text, compared.hit.matched_terms, COMPARE_EXCERPT_CHARS)
                lines.append(f"{mark}：{escape(body)}")
        return [Reply(piece) for piece in split_markup("\n".join(lines))]

    def reuse(self, title: str, report: ReuseReport, titles: dict[int, str]) -> list[Reply]:
        """The share of repeated sentences and the longest repeated passages with sources."""
        values = {"doc_id": report.doc_id, "title": escape(title)}
        if not report.repeated:
            return [Reply(self.text("reuse_none", **values))]
        lines = [
            self.text(
                "reuse_header",
                share=round(report.share * 100),
                repeated=report.repeated,
                sentences=report.sentences,
                **values,
            )
        ]
        for passage in report.passages:
            lines += [
                "",
                self.text(
                    "reuse_passage",
                    text=escape(shorten(passage.text, REUSE_SHOWN_CHARS)),
                    source_id=passage.source_doc_id,
                    source=escape(shorten(titles.get(passage.source_doc_id, ""), TITLE_CHARS)),
                ),
            ]
        return [Reply(piece) for piece in split_markup("\n".join(lines))]

    def figures(self, figures: Figures) -> Reply:
        return Reply(split_markup(figures_text(self.lang, figures))[0])

    def draft_rows(self, hits: Sequence[Hit], log_id: int) -> tuple[tuple[Button, ...], ...]:
        """A ➕ per shown passage (add to / remove from the draft) and "make the draft"."""
        picks = tuple(self.button(self.text("btn_pick", n=h.rank), PICK, h.chunk_id) for h in hits)
        return picks, (self.button(self.text("btn_draft"), DRAFT, log_id),)


def figures_text(lang: str, figures: Figures) -> str:
    """A short line: each figure with its report, then the sum or why there is none."""
    shown = [
        f"{escape(f.what)} <b>{escape(f.shown)}</b>（{escape(shorten(f.doc_title, TITLE_CHARS))}）"
        for f in figures.facts[:FACTS_IN_LINE]
    ]
    line = message(lang, "facts_line", figures="；".join(shown))
    total = sum_text(lang, figures)
    return f"{line}。{total}" if total else line


def sum_text(lang: str, figures: Figures) -> str:
    """The sum of the figures, or why there is none ("" when neither applies)."""
    if figures.total_shown is not None:
        return message(lang, "facts_sum", total=figures.total_shown)
    return message(lang, f"facts_no_sum_{figures.no_sum}") if figures.no_sum else ""
