"""Filters named in the question itself: a year, a report, a kind of section.

"2021年的打算", "市委办的报告里怎么写的作风建设", "述职报告里存在什么问题": people say
where to look in the words of the question. Each filter is recognised here, kept only
when the reports hold something it selects (combined with the others), and the words
that named a report or a year are dropped from the scoring query when what remains still
says what is asked (a report's name would otherwise match its passages by title).

Relative years (今年, 去年, 前年) count back from the calendar year the question is
asked in, as people mean them; a year no report covers is no filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .cues import is_cue_word
from .text import normalize
from .tokenizer import query_words

YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年度?")
RELATIVE_YEAR = re.compile(r"(今|去|前)年度?")
YEARS_BACK = {"今": 0, "去": 1, "前": 2}
REPORT = re.compile(
    r"([\u4e00-\u9fff\d]{0,16}?)(的)?(述职报告|述职|工作报告|报告|工作总结|总结|工作安排|材料)"
    r"(里面|里头|里|中|上|当中)?"
)
TITLE_WORDS = {"述职报告": "述职", "述职": "述职"}  # the one kind of report titles tell apart
KIND_WORDS = {
    "plan": re.compile(r"打算|下步|下一步|明年|来年"),
    "problem": re.compile(r"存在(?:的|什么|哪些|啥)?(?:问题|不足)|不足之处|短板|没弄好|没做好"),
}
MIN_NAME = 2
NOT_PLANS = ("work", "problem", "other")
# The last character of a unit's name (税务局, 市委办, 医院, 东湖街道, 某某县): a question
# naming one means that unit's reports even without a report word ("税务局发展了几个党员").
UNIT_END = "局办院县市区镇乡村所站队校厂司道"
MAX_UNIT = 12
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
NAME_SPREAD = 2  # an abbreviation's characters span at most this many times its length


@dataclass(frozen=True)
class ReportFacts:
    """What filters can select in one report: its title and its passages' (year, kind)."""

    doc_id: int
    title: str
    rows: frozenset[tuple[int | None, str]]


class ReportCatalog:
    """The reports' facts with their normalised titles and, for each character, the titles
    holding it: a question naming a unit is checked against every title, so the service
    builds this once per change of the documents, not per question."""

    def __init__(self, reports: Iterable[ReportFacts]) -> None:
        self.reports = tuple(reports)
        self.titles = tuple(normalize(r.title) for r in self.reports)
        holding: dict[str, set[int]] = {}
        for i, title in enumerate(self.titles):
            for char in set(title):
                holding.setdefault(char, set()).add(i)
        self._holding = {char: frozenset(rows) for char, rows in holding.items()}
        self._pairs = frozenset(pair for r in self.reports for pair in r.rows)
        self._lacking: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.reports)

    def selects(self, docs: Sequence[ReportFacts], year: int | None, kind: str | None) -> bool:
        """Whether any passage of these reports (all when none are named) has this year and
        kind (None: any)."""
        pairs = self._pairs if not docs else frozenset(p for r in docs for p in r.rows)
        return any((year is None or y == year) and (kind is None or k == kind) for y, k in pairs)

    def lacking(self, kind: str, docs: Sequence[ReportFacts]) -> tuple[int, ...]:
        """Ids of the reports (all when none are named) with no passage of this kind."""
        if docs:
            return _lacking(kind, docs)
        if kind not in self._lacking:
            self._lacking[kind] = _lacking(kind, self.reports)
        return self._lacking[kind]

    @classmethod
    def of(cls, reports: ReportCatalog | Sequence[ReportFacts]) -> ReportCatalog:
        """The catalog itself, or one made of plain facts (tests, one-off calls)."""
        return reports if isinstance(reports, ReportCatalog) else cls(reports)

    def candidates(self, name: str) -> list[int]:
        """Positions of the titles holding every character of the name, in order."""
        sets = sorted((self._holding.get(c, frozenset()) for c in set(name)), key=len)
        if not sets:
            return list(range(len(self.reports)))
        return sorted(sets[0].intersection(*sets[1:]))


def _lacking(kind: str, reports: Sequence[ReportFacts]) -> tuple[int, ...]:
    return tuple(r.doc_id for r in reports if all(k != kind for _, k in r.rows))


@dataclass(frozen=True)
class Scope:
    """Filters recognised in a question, and the question to score without their words."""

    query: str
    doc_ids: tuple[int, ...] = ()
    titles: tuple[str, ...] = ()
    year: int | None = None
    kind: str | None = None
    # Reports with no section of the kind named in words, searched whole: a half-year
    # summary states its plans in its closing paragraph, under no 打算 heading.
    unlabelled: tuple[int, ...] = ()
    missing_year: int | None = None  # a year named that no report covers: no filter, a note

    def __bool__(self) -> bool:
        return bool(self.doc_ids or self.year is not None or self.kind)


def scope_of(
    question: str,
    reports: ReportCatalog | Sequence[ReportFacts],
    this_year: int,
    *,
    doc_id: int | None = None,
    kind: str | None = None,
    year: int | None = None,
    words: bool = True,
) -> Scope:
    """The filters a search applies: the explicit ones, then those the question names
    (unless not `words`) for what the explicit ones leave open."""
    catalog = ReportCatalog.of(reports)
    if doc_id is not None:
        catalog = ReportCatalog(r for r in catalog.reports if r.doc_id == doc_id)
    named = recognise(question, catalog, this_year) if words else Scope(question)
    if doc_id is not None:
        named = replace(named, doc_ids=(doc_id,), titles=tuple(r.title for r in catalog.reports))
    return replace(
        named,
        year=year if year is not None else named.year,
        kind=kind or named.kind,
        unlabelled=() if kind else named.unlabelled,
    )


def may_name_scope(question: str) -> bool:
    """Whether a question holds a year, a report or unit word or a kind word at all: only
    then are the reports' titles and (year, kind) pairs worth reading."""
    text = normalize(question)
    return any(char in UNIT_END for char in text) or any(
        pattern.search(text) for pattern in (YEAR, RELATIVE_YEAR, REPORT, *KIND_WORDS.values())
    )


def recognise(
    question: str, reports: ReportCatalog | Sequence[ReportFacts], this_year: int
) -> Scope:
    """The filters a question names that select something in these reports."""
    catalog = ReportCatalog.of(reports)
    text = normalize(question)
    cut: list[tuple[int, int]] = []
    docs: tuple[ReportFacts, ...] = ()
    found = _report(text, catalog) or _unit(text, catalog)
    if found:
        docs, span = found
        cut.append(span)
    year, span = _year(text, this_year)
    # a year of plans only (2025 in a 2024 report) answers a question about plans only
    kinds = (None,) if KIND_WORDS["plan"].search(text) else NOT_PLANS
    # "2019年…" with no 2019 report is said; 去年 is loose talk (the report's last year, often)
    named_year = year is not None and YEAR.search(text) is not None
    missing = year if named_year and not catalog.selects(docs, year, None) else None
    if year is not None and any(catalog.selects(docs, year, k) for k in kinds):
        cut.append(span)
    else:
        year = None
    kind = next((k for k, pattern in KIND_WORDS.items() if pattern.search(text)), None)
    if kind and not catalog.selects(docs, year, kind):
        kind = None
    query = _without(text, cut)
    if not _says_what(query):
        query = text
    return Scope(
        query,
        tuple(r.doc_id for r in docs),
        tuple(r.title for r in docs),
        year,
        kind,
        catalog.lacking(kind, docs) if kind else (),
        missing if catalog.reports else None,
    )


def _report(
    text: str, catalog: ReportCatalog
) -> tuple[tuple[ReportFacts, ...], tuple[int, int]] | None:
    """Reports named in the question ("市委办的报告里", "述职报告中"), and where it says so.

    A name matches a title holding its characters in order, close together (市委办 is
    市委办公室, 区直机关工委 is 区委直属机关工委); a name most reports match (党建) is no filter.
    """
    for match in REPORT.finditer(text):
        name, of, word, inside = match.groups()
        if not (of or inside):
            continue
        title_word = TITLE_WORDS.get(word, "")
        for start in range(len(name) + 1):
            part = name[start:]
            if part and len(part) < MIN_NAME:
                continue
            chosen = [
                catalog.reports[i]
                for i in catalog.candidates(part + title_word)
                if _abbreviates(part, catalog.titles[i]) and title_word in catalog.titles[i]
            ]
            if chosen and (len(chosen) == 1 or 2 * len(chosen) <= len(catalog)):
                return tuple(chosen), (match.start(1) + start, match.end())
    return None


def _unit(
    text: str, catalog: ReportCatalog
) -> tuple[tuple[ReportFacts, ...], tuple[int, int]] | None:
    """The longest unit name in the question that some titles hold (three characters or
    more in order, as _report matches; two exactly), when at most half the reports do."""
    best: tuple[tuple[ReportFacts, ...], tuple[int, int]] | None = None
    for run in CJK_RUN.finditer(text):
        for i in range(run.start(), run.end()):
            for j in range(min(run.end(), i + MAX_UNIT), i + MIN_NAME - 1, -1):
                name = text[i:j]
                if name[-1] not in UNIT_END or (best and j - i <= best[1][1] - best[1][0]):
                    continue
                titles = ((k, catalog.titles[k]) for k in catalog.candidates(name))
                chosen = tuple(
                    catalog.reports[k]
                    for k, title in titles
                    if (name in title if len(name) == MIN_NAME else _abbreviates(name, title))
                )
                if chosen and 2 * len(chosen) <= len(catalog):
                    best = chosen, (i, j)
    return best


def _abbreviates(name: str, title: str) -> bool:
    """Whether the title holds the name's characters in order within a short span."""
    if not name:
        return True
    start = title.find(name[0])
    while start >= 0:
        position, ok = start, True
        for char in name[1:]:
            position = title.find(char, position + 1)
            if position < 0 or position - start >= NAME_SPREAD * len(name):
                ok = False
                break
        if ok:
            return True
        start = title.find(name[0], start + 1)
    return False


def _year(text: str, this_year: int) -> tuple[int | None, tuple[int, int]]:
    match = YEAR.search(text)
    if match:
        return int(match[1]), match.span()
    match = RELATIVE_YEAR.search(text)
    if match:
        return this_year - YEARS_BACK[match[1]], match.span()
    return None, (0, 0)


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text with these (possibly overlapping) spans cut out."""
    kept = [char for i, char in enumerate(text) if not any(s <= i < e for s, e in spans)]
    return " ".join("".join(kept).split())


def _says_what(query: str) -> bool:
    """Whether a question still names a topic (not only 打算 or 问题) once filters are cut."""
    return any(not is_cue_word(word) for word in query_words(query))
