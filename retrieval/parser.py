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
# 第X部分 / 第X章 stand above 一、 (level 0, like an attachment 附件), so a report in parts
# keeps 一、 as its parts' sections.
CHAPTER = re.compile(rf"^第[{CN_NUM}]{{1,3}}(?:部分|章|篇)(?=[、：:\s]|$|[^，。；,;])")
ANNEX = re.compile(r"^附件\s*[0-9一二三四五六七八九十]{0,3}\s*(?:[：:、.．]|$)")
MAX_ANNEX_HEADING = 60
CHAPTER_LEVEL = 0
PART = re.compile(rf"^[{CN_NUM}]{{1,3}}\s*[、.．]")
SUBSECTION = re.compile(rf"^[（(]\s*[{CN_NUM}]{{1,3}}\s*[）)]")
ITEM = re.compile(r"^\d{1,2}\s*[.．、](?!\d)")
SUBITEM = re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")
POINT = re.compile(rf"^([{CN_NUM}]{{1,3}})(?:是|要)")
LEVEL_PATTERNS = ((1, PART), (2, SUBSECTION), (3, ITEM), (4, SUBITEM))
POINT_LEVEL = 5
HEADING_END = re.compile(r"[。！？；：:!?;]")
MAX_HEADING = 40
CLAUSE_END = re.compile(r"[，,]")
MAX_HEADING_CLAUSES = 2
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
# A closing "但也存在…不足" paragraph of a work section is about problems, not work.
PROBLEM_TAIL = re.compile(
    r"^(?:但|但是|同时|当然|不过|然而|工作中|当前|目前)[，,]?[^。；，,]{0,8}?(?:也|还|仍|依然)?"
    r"(?:存在|有(?:一些|不少|一定|部分|个别))[^。]{0,20}?(?:问题|不足|差距|短板|薄弱)"
)
PLAN_TITLE = re.compile(r"安排|打算|计划|思路|要点|目标")


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
    levels = _levels(source, lines)
    kept, removed = [], []
    for index, line in lines:
        structural = levels.get(index) is not None and levels[index] != TITLE_LEVEL
        if not structural and boilerplate.is_boilerplate(line):
            removed.append(line)
        else:
            kept.append((index, line))
    title, body = _split_title(kept, levels, name, removed)
    body, signature = _split_signature(body, levels)
    year = _year(title, body)
    walk = _Walk(levels, source, year, _plan_year(title, year))
    sections, path_only, parts = walk.walk(body)
    if signature:
        sections.append(
            Section(
                ("落款",),
                "other",
                "\n".join(line for _, line in signature),
                _pages(source, signature),
            )
        )
    return ParsedReport(
        title=title,
        year=year,
        format=source.format,
        sections=tuple(sections),
        parts=parts,
        removed_lines=tuple(removed),
        path_only_headings=tuple(path_only),
        ocr_pages=source.ocr_pages,
        table_lines=sum(1 for index, _ in body if index in source.tables),
        body_lines=len(body),
    )


TITLE_LEVEL = -1


def _levels(source: SourceText, lines) -> dict[int, int]:
    """Heading level of each structural line: numbering first, then what the format declared.

    A declared title keeps TITLE_LEVEL; table rows are never headings.
    """
    levels: dict[int, int] = {}
    for index, line in lines:
        if index in source.tables:
            continue
        declared = source.levels.get(index)
        if declared == 0:
            levels[index] = TITLE_LEVEL
            continue
        level = heading_level(line, declared)
        if level is not None:
            levels[index] = level
    return levels


def _pages(source: SourceText, lines) -> tuple[int, ...]:
    if not source.pages:
        return ()
    return tuple(source.page(index) or 0 for index, _ in lines)


def heading_level(line: str, declared: int | None = None) -> int | None:
    """Level of a structural line (0 第X部分 or 附件, 1 part … 5 point line), or None for body.

    Numbering decides first, so a Word heading style or outline level agrees with the
    number a reader sees; an unnumbered declared heading keeps its declared level.
    """
    numbered = _numbered_level(line)
    if numbered is not None:
        return numbered
    if declared is not None and declared > 0:
        return min(declared, POINT_LEVEL)
    return None


def _numbered_level(line: str) -> int | None:
    if CHAPTER.match(line) or (ANNEX.match(line) and len(line) <= MAX_ANNEX_HEADING):
        return CHAPTER_LEVEL
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
    """The heading a structural line shows in a citation: up to its first 。 if short; only
    the first clause when the sentence runs on ("（3）开展宣讲，组织…，覆盖…" is an item
    without a heading; "（一）聚焦中心，提升效能" is a heading)."""
    end = HEADING_END.search(line)
    sentence = line[: end.start()] if end else line
    clauses = CLAUSE_END.split(sentence)
    if len(clauses) > MAX_HEADING_CLAUSES and len(clauses[0]) <= MAX_HEADING:
        return clauses[0].strip()  # 3+ clauses: a sentence of body text, not a heading
    if len(sentence) <= MAX_HEADING:
        return sentence.strip()
    return line[:MAX_HEADING].strip() + "…"


def _split_title(kept, levels, name, removed):
    """Find the title line; short lines above it are a promotional preamble."""
    for position, (index, line) in enumerate(kept[:TITLE_SEARCH_LINES]):
        declared_title = levels.get(index) == TITLE_LEVEL and len(line) <= MAX_DECLARED_TITLE
        if declared_title or _looks_like_title(line, levels.get(index), position):
            preamble = kept[:position]
            if all(len(text) <= MAX_TITLE for _, text in preamble):
                removed.extend(text for _, text in preamble)
                return line, kept[position + 1 :]
            return line, kept[:position] + kept[position + 1 :]
        if levels.get(index, TITLE_LEVEL) != TITLE_LEVEL or len(line) > MAX_TITLE:
            break
    return Path(name).stem, kept


def _looks_like_title(line: str, level: int | None, position: int) -> bool:
    if len(line) > MAX_TITLE or len(line) < 4 or level not in (None, TITLE_LEVEL):
        return False
    if line[-1] in SENTENCE_END:
        return False
    return bool(TITLE_WORDS.search(line))


def _split_signature(body, levels):
    """Peel the sign-off (述职人：XXX / 2024年1月) off the end, so it is not cited as part
    of the last section."""
    end = len(body)
    while end > 0 and SIGNATURE.match(body[end - 1][1]) and body[end - 1][0] not in levels:
        end -= 1
    if end == len(body) or end == 0:
        return body, []
    return body[:end], body[end:]


def _year(title: str, body) -> int | None:
    match = YEAR.search(title)
    if not match and body:
        match = YEAR.search(" ".join(line for _, line in body[:3])[:300])
    return int(match.group(1)) if match else None


def _plan_year(title: str, year: int | None) -> int | None:
    """The second year of "2020年工作总结和2021年工作安排": the year its plans are for."""
    for match in YEAR.finditer(title):
        later = int(match.group(1))
        if year is not None and later > year and PLAN_TITLE.search(title, match.end()):
            return later
    return None


class _Walk:
    """Walk body lines keeping the open heading path; each run of body text becomes a section.

    A heading followed directly by deeper headings owns no text: it lives on only in the
    paths of the sections below it, and is returned separately.
    """

    def __init__(
        self, levels: dict[int, int], source: SourceText, year: int | None, plan_year: int | None
    ) -> None:
        self.levels, self.source = levels, source
        self.year, self.plan_year = year, plan_year
        self.sections: list[Section] = []
        self.path_only: list[str] = []
        self.path: dict[int, str] = {}
        self.current = _OpenSection(CHAPTER_LEVEL, (), [], False)
        self.indices: list[int] = []
        self.open_levels: dict[int, str] = {}
        # After "但也存在以下不足：", the points below it (一是…) are problems too:
        # (level of the section it closed, path the problems are cited under).
        self.tail: tuple[int, tuple[str, ...]] | None = None

    def walk(self, body) -> tuple[list[Section], list[str], int]:
        counts = {CHAPTER_LEVEL: 0, 1: 0}
        for index, line in body:
            level = self.levels.get(index)
            if level is None or level == TITLE_LEVEL:
                self.current.lines.append(line)
                self.indices.append(index)
                self.current.has_body = True
                continue
            self._close(level)
            if self.tail and level <= self.tail[0]:
                self.tail = None
            if level in counts and not (level == CHAPTER_LEVEL and ANNEX.match(line)):
                counts[level] += 1
            self.path = {depth: heading for depth, heading in self.path.items() if depth < level}
            annex = level == CHAPTER_LEVEL and ANNEX.match(line)
            self.path[level] = line if annex else heading_of(line)
            inline_body = len(heading_of(line)) < len(line.rstrip("。；：:;"))
            path = tuple(self.path[d] for d in sorted(self.path))
            self.current = _OpenSection(level, path, [line], inline_body)
            self.indices = [index]
            self.open_levels = dict(self.path)
        self._close(CHAPTER_LEVEL)
        return self.sections, self.path_only, counts[CHAPTER_LEVEL] or counts[1]

    def _close(self, next_level: int) -> None:
        current = self.current
        if not current.lines:
            return
        if not (current.has_body or next_level <= current.level):
            self.path_only.append(current.lines[0])
            return
        kind = self._kind()
        lines = list(zip(self.indices, current.lines, strict=True))
        if kind == "work" and self.tail:
            self._add((*self.tail[1], current.path[-1]), "problem", lines)
            return
        tail = _problem_tail(lines) if kind == "work" else len(lines)
        if tail > 0:
            self._add(current.path, kind, lines[:tail])
        if tail < len(lines):
            self._add(current.path[:1], "problem", lines[tail:])
            if lines[-1][1].endswith(("：", ":")):
                self.tail = (current.level, current.path[:1])

    def _add(self, path: tuple[str, ...], kind: str, lines) -> None:
        self.sections.append(
            Section(
                path,
                kind,
                "\n".join(line for _, line in lines),
                _pages(self.source, lines),
                self._section_year(kind),
            )
        )

    def _kind(self) -> str:
        """Kind from the part (一、) heading, else the 第X部分 above it; 附件 is other."""
        chapter = self.open_levels.get(CHAPTER_LEVEL)
        if chapter and ANNEX.match(chapter):
            return "other"
        part = self.open_levels.get(1)
        for heading in (part, chapter):
            if heading:
                kind = section_kind((heading,))
                if kind != "work":
                    return kind
        return "work" if part or chapter or self.current.path else "other"

    def _section_year(self, kind: str) -> int | None:
        """A year named in the part or 第X部分 heading, else the plan year for plans."""
        for level in (1, CHAPTER_LEVEL):
            match = YEAR.search(self.open_levels.get(level, ""))
            if match:
                return int(match.group(1))
        if kind == "plan" and self.plan_year:
            return self.plan_year
        return self.year


def _problem_tail(lines) -> int:
    """Where a closing "但也存在…不足" paragraph starts: the last body line (len(lines) when
    there is none; the heading line never counts)."""
    if len(lines) > 1 and PROBLEM_TAIL.match(lines[-1][1]):
        return len(lines) - 1
    return len(lines)


def section_kind(path: tuple[str, ...]) -> str:
    """Problem, plan or work, read off the top heading (the part); other outside any part."""
    if not path:
        return "other"
    top = SUBSECTION.sub("", PART.sub("", CHAPTER.sub("", path[0]))).strip()
    if PROBLEM.search(top):
        return "problem"
    if PLAN.search(top):
        return "plan"
    return "work"
