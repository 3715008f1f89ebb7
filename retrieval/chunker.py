"""Split sections into passages a person can paste, at point or sentence boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Chunk, Section

SOFT_LIMIT = 260
HARD_LIMIT = 800
MIN_BEFORE_POINT = 80
SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
CLAUSE = re.compile(r"[^，、,：:]*(?:[，、,：:]+|$)")
POINT_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}(?:是|要|个是)|另一个是|[（(]?\d{1,2}[）).．、])"
)


def chunk_sections(sections: Iterable[Section]) -> list[Chunk]:
    """Cut every section into passages of at most HARD_LIMIT characters, never losing text.

    Each passage keeps the page its first line is on (for "第3页" in citations) and the
    section's year.
    """
    chunks = []
    for number, section in enumerate(sections):
        start = 0
        for passage in split_passages(section.text):
            found = section.text.find(passage[:40], start)
            start = found if found >= 0 else start
            chunks.append(
                Chunk(
                    section=number,
                    path=section.path,
                    kind=section.kind,
                    text=passage,
                    page=_page_at(section, start),
                    year=section.year,
                )
            )
    return chunks


def _page_at(section: Section, offset: int) -> int | None:
    if not section.pages:
        return None
    line = section.text.count("\n", 0, offset)
    return section.pages[min(line, len(section.pages) - 1)] or None


def split_passages(text: str) -> list[str]:
    """Pack sentences into passages up to SOFT_LIMIT, starting a new one at `一是`-style points."""
    passages: list[str] = []
    current = ""
    for unit in _units(text):
        starts_point = bool(POINT_START.match(unit))
        too_long = len(current) + len(unit) > SOFT_LIMIT
        if current.strip() and (too_long or (starts_point and len(current) >= MIN_BEFORE_POINT)):
            passages.append(current.strip())
            current = ""
        current += unit
    if current.strip():
        passages.append(current.strip())
    return passages


def _units(text: str) -> list[str]:
    """Sentences, with any sentence over HARD_LIMIT cut at clauses, then hard."""
    units: list[str] = []
    for sentence in SENTENCE.findall(text):
        if not sentence:
            continue
        if len(sentence) <= HARD_LIMIT:
            units.append(sentence)
            continue
        for clause in CLAUSE.findall(sentence):
            units.extend(clause[i : i + HARD_LIMIT] for i in range(0, len(clause), HARD_LIMIT))
    return [unit for unit in units if unit]
