"""Parse a report's lines into a title and a tree of sections flattened to heading paths.

Chinese reports number their structure instead of styling it: parts `一、`, subsections
`（一）标题。正文` (heading inline up to the first 。 or on its own line), items `1.` and
`（1）`, and lines that open with `一是…`. Declared headings (.docx styles, Markdown `#`)
count too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .boilerplate import BoilerplateFilter
from .formats import SourceText
from .models import ParsedReport, Section

CN_NUM = "一二三四五六七八九十"
PART = re.compile(rf"^(?:[{CN_NUM}]{{1,3}}\s*[、.．]|第[{CN_NUM}]{{1,3}}(?:部分|章|篇)[、：:\s]?)")
SUBSECTION = re.compile(rf"^[（(]\s*[{CN_NUM}]{{1,3}}\s*[）)]")
ITEM = re.compile(r"^\d{1,2}\s*[.．、](?!\d)")
SUBITEM = re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")
POINT = re.compile(rf"^([{CN_NUM}]{{1,3}})(?:是|要)")
LEVEL_PATTERNS = ((1, PART), (2, SUBSECTION), (3, ITEM), (4, SUBITEM))
POINT_LEVEL = 5
HEADING_END = re.compile(r"[。！？；：:!?;]")
MAX_HEADING = 40
SENTENCE_END = "。！？；：!?;:，,"
TITLE_WORDS = re.compile(r"总结|报告|述职|汇报|安排|计划|要点|方案|讲话|材料|情况|思路|打算")
MAX_TITLE = 60
# A declared title (Title style, a lone `#`) longer than this is body text with a style on it:
# kept in the body, so no text is lost and citations stay short.
MAX_DECLARED_TITLE = 200
TITLE_SEARCH_LINES = 20
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
SIGNATURE = re.compile(
    r"^(?:\S{1,8}人\s*[：:]\s*\S{0,20}|(?:19|20|二[〇○0零])[\d〇○零一二三四五六七八九]{2}\s*年"
    r"[\d一二三四五六七八九十]{1,2}\s*月(?:[\d一二三四五六七八九十]{1,3}\s*日)?)$"
)

PROBLEM = re.compile(
    r"存在.{0,6}(问题|不足|差距)|(问题|不足|差距|短板)(及|和|与|以及|、)|不足之处|薄弱环节"
    r"|^(主要|突出)?(问题|不足|差距|短板)$"
)
PLAN = re.compile(
    r"下一?步|下阶段|下半年|打算|计划|工作安排|工作思路|工作目标|展望|明年|来年"
    r"|(19|20)\d{2}年.{0,6}(安排|打算|思路)"
)


@dataclass
class _OpenSection:
    level: int
    path: tuple[str, ...]
    lines: list[str]
    has_body: bool


def parse_report(
    source: SourceText, name: str, boilerplate: BoilerplateFilter | None = None
) -> ParsedReport:
    """Turn a file's lines into a titled report of sections, junk lines removed."""
    boilerplate = boilerplate or BoilerplateFilter()
    lines = [(i, line.strip()) for i, line in enumerate(source.lines) if line.strip()]
    kept, removed = [], []
    for index, line in lines:
        structural = heading_level(line, source.levels.get(index)) is not None
        if not structural and boilerplate.is_boilerplate(line):
            removed.append(line)
        else:
            kept.append((index, line))
    title, body = _split_title(kept, source.levels, name, removed)
    body, signature = _split_signature(body)
    sections, path_only, parts = _sections(body, source.levels)
    if signature:
        sections.append(Section(("落款",), "other", "\n".join(signature)))
    return ParsedReport(
        title=title,
        year=_year(title, body),
        format=source.format,
        sections=tuple(sections),
        parts=parts,
        removed_lines=tuple(removed),
        path_only_headings=tuple(path_only),
    )


def heading_level(line: str, declared: int | None = None) -> int | None:
    """Level of a structural line (1 part … 5 point line), or None for body text."""
    if declared is not None and declared > 0:
        return min(declared, POINT_LEVEL)
    for level, pattern in LEVEL_PATTERNS:
        if pattern.match(line):
            return level
    point = POINT.match(line)
    if point and not _has_next_point(line, point.group(1)):
        return POINT_LEVEL
    return None


def _has_next_point(line: str, ordinal: str) -> bool:
    """An `一是` line that also holds `二是` is a paragraph of inline points, not an item."""
    position = CN_NUM.find(ordinal)
    if len(ordinal) != 1 or position < 0 or position + 1 >= len(CN_NUM):
        return False
    return f"{CN_NUM[position + 1]}是" in line or f"{CN_NUM[position + 1]}要" in line


def heading_of(line: str) -> str:
    """The heading a structural line shows in a citation: up to its first 。 if short."""
    end = HEADING_END.search(line)
    if end and end.start() <= MAX_HEADING:
        return line[: end.start()].strip()
    if len(line) <= MAX_HEADING:
        return line.strip()
    return line[:MAX_HEADING].strip() + "…"


def _split_title(kept, levels, name, removed):
    """Find the title line; short lines above it are a promotional preamble."""
    for position, (index, line) in enumerate(kept[:TITLE_SEARCH_LINES]):
        declared_title = levels.get(index) == 0 and len(line) <= MAX_DECLARED_TITLE
        if declared_title or _looks_like_title(line, levels.get(index), position):
            preamble = kept[:position]
            if all(len(text) <= MAX_TITLE for _, text in preamble):
                removed.extend(text for _, text in preamble)
                return line, kept[position + 1 :]
            return line, kept[:position] + kept[position + 1 :]
        if heading_level(line, levels.get(index)) is not None or len(line) > MAX_TITLE:
            break
    return Path(name).stem, kept


def _looks_like_title(line: str, declared: int | None, position: int) -> bool:
    if len(line) > MAX_TITLE or len(line) < 4 or heading_level(line, declared) is not None:
        return False
    if line[-1] in SENTENCE_END:
        return False
    return bool(TITLE_WORDS.search(line))


def _split_signature(body):
    """Peel the sign-off (述职人：XXX / 2024年1月) off the end, so it is not cited as part
    of the last section."""
    end = len(body)
    while end > 0 and SIGNATURE.match(body[end - 1][1]) and heading_level(body[end - 1][1]) is None:
        end -= 1
    if end == len(body) or end == 0:
        return body, []
    return body[:end], [line for _, line in body[end:]]


def _year(title: str, body) -> int | None:
    match = YEAR.search(title)
    if not match and body:
        match = YEAR.search(" ".join(line for _, line in body[:3])[:300])
    return int(match.group(1)) if match else None


def _sections(body, levels) -> tuple[list[Section], list[str], int]:
    """Walk lines keeping the open heading path; each run of body text becomes a section.

    A heading followed directly by deeper headings owns no text: it lives on only in the
    paths of the sections below it, and is returned separately.
    """
    sections: list[Section] = []
    path_only: list[str] = []
    path: dict[int, str] = {}
    current = _OpenSection(0, (), [], False)
    parts = 0

    def close(next_level: int) -> None:
        if current.lines and (current.has_body or next_level <= current.level):
            sections.append(Section(current.path, section_kind(current.path), "\n".join(current.lines)))
        elif current.lines:
            path_only.append(current.lines[0])

    for index, line in body:
        level = heading_level(line, levels.get(index))
        if level is None:
            current.lines.append(line)
            current.has_body = True
            continue
        close(level)
        parts += level == 1
        path = {depth: heading for depth, heading in path.items() if depth < level}
        path[level] = heading_of(line)
        inline_body = len(heading_of(line)) < len(line.rstrip("。；：:;"))
        current = _OpenSection(level, tuple(path[d] for d in sorted(path)), [line], inline_body)
    close(0)
    return sections, path_only, parts


def section_kind(path: tuple[str, ...]) -> str:
    """Problem, plan or work, read off the top heading (the part); other outside any part."""
    if not path:
        return "other"
    top = SUBSECTION.sub("", PART.sub("", path[0])).strip()
    if PROBLEM.search(top):
        return "problem"
    if PLAN.search(top):
        return "plan"
    return "work"
