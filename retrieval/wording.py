"""Copy-ready wording: a passage as a writer pastes it into next year's report.

The numbering belongs to the old report's outline (一是、（一）、1.), so it goes; a heading
stays on a line of its own above its body; stray spaces inside Chinese text are folded
("责任 制"); placeholders (X, XX) stay visible for the writer to fill in.
"""

from __future__ import annotations

import re

from .parser import HEADING_END, ITEM, PART, POINT, SUBITEM, SUBSECTION
from .text import fold_spaces

NUMBERING = (PART, SUBSECTION, SUBITEM, ITEM)
INNER_POINT = re.compile(r"(?<=[。；;])\s*(?=[一二三四五六七八九十]{1,3}是)")
HEADING_CHARS = 40


def copy_ready(text: str, headings: tuple[str, ...] = ()) -> str:
    """The passage without outline numbers, its heading and each point on a line of its own."""
    lines = []
    for raw in INNER_POINT.sub("\n", fold_spaces(text)).splitlines():
        line = strip_numbering(raw.strip())
        if line:
            lines.extend(_split_heading(line, headings, numbered=line != raw.strip()))
    return "\n".join(lines)


def strip_numbering(line: str) -> str:
    """ "（一）加强学习" → "加强学习", "一是狠抓落实" → "狠抓落实"."""
    for pattern in NUMBERING:
        match = pattern.match(line)
        if match:
            return line[match.end() :].lstrip()
    point = POINT.match(line)
    return line[point.end() :].lstrip() if point else line


def _split_heading(line: str, headings: tuple[str, ...], numbered: bool) -> list[str]:
    """ "（一）加强学习。全年组织…" → ["加强学习", "全年组织…"] when the first sentence is one of
    the passage's headings, or a numbered line's short first sentence without a comma."""
    end = HEADING_END.search(line)
    if end is None or end.start() == 0:
        return [line]
    head, body = line[: end.start()], line[end.end() :].strip()
    known = {strip_numbering(h.strip()).rstrip("。：:") for h in headings}
    if body and (
        head in known or (numbered and len(head) <= HEADING_CHARS and not re.search("[，,]", head))
    ):
        return [head, body]
    return [line]
