"""Turn search results into reply text: cited, numbered, query terms in bold.

Markup is Telegram's HTML subset. Every piece of report or user text passes through
`escape` first, because reports contain < > & and users can type anything. Lengths are
counted as Telegram counts them: visible characters in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ..retrieval.models import Hit
from ..retrieval.scope import Scope
from ..retrieval.text import fold_spaces
from .messages import message

EXCERPT_CHARS = 220
MESSAGE_LIMIT = 4000  # Telegram's is 4096; the margin covers numeric character references
_TAG = re.compile(r"<[^>]+>")
_TOKEN = re.compile(r"<[^>]+>|&[#\w]+;|[\s\S]")
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]*[”’」』）)]*")
_PLACEHOLDER = re.compile(r"(?<![A-Za-z])X{1,4}(?![A-Za-z])")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def to_plain(markup: str) -> str:
    """Markup as terminal text: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def shorten(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters with an ellipsis, for titles and button labels."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):  # touching terms become one bold run
        if merged and merged[-1][1] == start:
            start = merged.pop()[0]
        merged.append((start, end))
    out, cursor = [], 0
    for start, end in merged:
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


def key_sentences(text: str, terms: Sequence[str], limit: int = EXCERPT_CHARS) -> str:
    """The first run of sentences that use the query terms: short wording to copy."""
    # a heading line has no full stop: it ends at its line, and stays a line of its own
    sentences = [
        ("\n" if i and not j else "") + sentence
        for i, line in enumerate(text.splitlines())
        for j, sentence in enumerate(
            s for s in _SENTENCE.findall(" ".join(line.split())) if s.strip()
        )
    ] or [""]
    uses = [any(t in s.lower() for t in terms) for s in sentences]
    start = uses.index(True) if any(uses) else 0
    picked = sentences[start].lstrip("\n")
    for sentence, used in zip(sentences[start + 1 :], uses[start + 1 :], strict=True):
        if not used or len(picked) + len(sentence) > limit:
            break
        picked += sentence
    return picked.strip() if len(picked) <= limit else excerpt(picked, terms, limit)


def has_placeholder(text: str) -> bool:
    """Whether the text keeps an anonymised name (X, XX) the reader must fill in."""
    return bool(_PLACEHOLDER.search(text))


QUERY_ECHO_CHARS = 60


def answer_text(
    query: str,
    hits: Sequence[Hit],
    *,
    from_samples: bool = False,
    lang: str = "zh",
    full: bool = False,
    limit: int = EXCERPT_CHARS,
    related: bool = False,
) -> str:
    """Passages numbered by rank with citations, or a plain not-found message with a hint.

    A related-only answer (no passage clearly answers) says so in its first line.
    """
    if not hits:
        return message(lang, "not_found", query=escape(shorten(query, QUERY_ECHO_CHARS)))
    lines = []
    if from_samples:
        lines.append(message(lang, "samples_note"))
    if related:
        lines.append(message(lang, "related_note"))
    for hit in hits:
        # "责任 制" as the writer meant it; an excerpt's joined lines fold the same way
        body = fold_spaces(hit.text if full else excerpt(hit.text, hit.matched_terms, limit))
        lines.append(f"<b>[{hit.rank}]</b> {highlight(body, hit.matched_terms)}")
        lines.append(f"<i>— {escape(hit.citation_under(body))}</i>")
        if hit.also_in:
            lines.append(
                f"<i>{message(lang, 'also_in', titles=escape('、'.join(hit.also_in)))}</i>"
            )
        lines.append("")
    return "\n".join(lines).strip()


SCOPE_TITLE_CHARS = 30


def scope_line(scope: Scope | None, lang: str = "zh", shown_kind: str | None = None) -> str:
    """ "只看：2021年 · 下步打算": the filters an answer applied ("" when none); a kind a
    command already announces (/problems) is left out."""
    if not scope:
        return ""
    parts = [
        message(lang, "scope_doc", title=escape(shorten(title, SCOPE_TITLE_CHARS)))
        for title in scope.titles
    ]
    if scope.year is not None:
        parts.append(message(lang, "scope_year", year=scope.year))
    if scope.kind and scope.kind != shown_kind:
        parts.append(message(lang, f"scope_kind_{scope.kind}"))
    return message(lang, "scope_line", filters=" · ".join(parts)) if parts else ""


def missing_year_line(scope: Scope | None, lang: str = "zh") -> str:
    """ "没有2019年的报告…": a year the question names that no report covers ("" else)."""
    if scope is None or scope.missing_year is None:
        return ""
    return message(lang, "scope_missing_year", year=scope.missing_year)


def split_markup(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut markup into pieces of at most `limit` visible characters without breaking tags.

    Cuts at a line break when one falls in the second half of a piece, else mid-line; tags
    open at a cut are closed at the end of one piece and reopened at the start of the next.
    """
    plain = to_plain(markup)
    if utf16_len(plain) <= limit:  # most answers: no need to walk the tags
        return [markup] if plain.strip() else []
    pieces: list[str] = []
    out: list[str] = []
    open_tags: list[str] = []
    size = 0
    newline: tuple[int, list[str], int] | None = None  # (tokens, open tags, size) after a \n
    for token in _TOKEN.findall(markup):
        if token.startswith("<"):
            if token.startswith("</"):
                open_tags.pop()
            else:
                open_tags.append(token)
            out.append(token)
            continue
        width = 1 if token.startswith("&") else utf16_len(token)
        if size + width > limit:
            cut, tags, at = (
                newline
                if newline and newline[2] >= limit // 2
                else (len(out), list(open_tags), size)
            )
            pieces.append("".join(out[:cut]) + "".join(_closing(t) for t in reversed(tags)))
            out, size, newline = [*tags, *out[cut:]], size - at, None
        out.append(token)
        size += width
        if token == "\n":
            newline = (len(out), list(open_tags), size)
    pieces.append("".join(out))
    return [piece for piece in pieces if to_plain(piece).strip()]


def _closing(open_tag: str) -> str:
    return "</" + open_tag[1:].split()[0].rstrip(">") + ">"
