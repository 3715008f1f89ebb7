"""Turn search results into reply text: cited, numbered, query terms in bold.

Markup is Telegram's HTML subset. Every piece of report or user text passes through
`escape` first, because reports contain < > & and users can type anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ..retrieval.models import Hit
from .messages import message

EXCERPT_CHARS = 220
_TAG = re.compile(r"<[^>]+>")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def to_plain(markup: str) -> str:
    """Markup as terminal text: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def highlight(text: str, terms: Sequence[str]) -> str:
    """Escape text and wrap each occurrence of a term in <b>, longest terms first."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for term in sorted(set(terms), key=len, reverse=True):
        start = lowered.find(term)
        while term and start >= 0:
            end = start + len(term)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = lowered.find(term, end)
    out, cursor = [], 0
    for start, end in sorted(spans):
        out += [escape(text[cursor:start]), "<b>", escape(text[start:end]), "</b>"]
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def excerpt(text: str, terms: Sequence[str], limit: int = EXCERPT_CHARS) -> str:
    """A window of the passage around its first matched term, cut at sentence ends if possible."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    lowered = text.lower()
    first = min((i for t in terms if (i := lowered.find(t)) >= 0), default=0)
    start = max(0, first - limit // 3)
    boundary = max(text.rfind(mark, 0, start + 1) for mark in "。；！？")
    if boundary >= 0 and first - boundary < limit:
        start = boundary + 1
    end = min(len(text), start + limit)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def citation(hit: Hit) -> str:
    return escape(hit.citation)


def answer_text(query: str, hits: Sequence[Hit], *, offset: int = 0, from_samples: bool = False,
                lang: str = "zh", full: bool = False) -> str:
    """Numbered passages with citations, or a plain not-found message with a hint."""
    if not hits:
        return message(lang, "not_found", query=escape(query))
    lines = []
    if from_samples:
        lines.append(message(lang, "samples_note"))
    for number, hit in enumerate(hits, start=offset + 1):
        body = hit.text if full else excerpt(hit.text, hit.matched_terms)
        lines.append(f"<b>[{number}]</b> {highlight(body, hit.matched_terms)}")
        lines.append(f"<i>— {citation(hit)}</i>")
        if hit.also_in:
            lines.append(f"<i>{message(lang, 'also_in', titles=escape('、'.join(hit.also_in)))}</i>")
        lines.append("")
    return "\n".join(lines).strip()
