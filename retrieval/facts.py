"""Counts and amounts in report text ("开展主题党日12次", "捐款金额5.2万元") as facts.

A figure is a number (digits, a Chinese numeral, or a placeholder X/XX a writer left to
fill in) with a unit; what it counts is the rest of its clause ("开展“主题党日”活动").
A placeholder's number is unknown (None), never zero: summing it would invent a figure.
Rates ("每季度公布一次"), ordinals ("第二党支部") and slogans ("四个意识") are not counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .numbers import to_digits

UNITS = (
    "人次|户次|件次|场次|批次|课时|小时|公里|元|次|名|人|个|份|项|件|篇|期|场|部|轮|户|册|支|家|所"
    "|批|条|本|处|座|天|课|套|台|张|幅|首|封|吨|亩|间|字|种|起|类|%"
)
CN_NUMERAL = "零〇一二两三四五六七八九十百千"
FIGURE = re.compile(
    rf"(?<![\d.X第每])(?P<number>\d+(?:\.\d+)?|X{{1,4}}|[{CN_NUMERAL}]+)"
    rf"(?P<scale>万|亿)?(?P<approx>余|多)?(?P<unit>{UNITS})"
)
SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
CLAUSE = re.compile(r"[^，。；：！？,;:!?\n]+")
# "发展党员X名（其中女性党员X名）": the aside counts something else, under its own words
ASIDE = re.compile(r"[（(]([^（）()]*)[）)]")
FILLER = re.compile(r"^(?:其中|全年|今年以来|一年来|上半年|共|累计|先后|合计|总计|全局|还)+")
QUOTE_CHARS = "“”‘’\"'《》「」"
VERBAL_MEASURES = frozenset({"次", "场", "轮", "期", "天", "场次", "人次"})
SLOGAN_FOLLOWERS = re.compile(r"^[\u4e00-\u9fff]")
MIN_WHAT = 2


@dataclass(frozen=True)
class Fact:
    """A figure of a report: what is counted, the number (None for X/XX), its unit and
    the sentence it stands in; `approx` marks 余/多 ("XX余篇")."""

    what: str
    number: float | None
    unit: str
    text: str
    approx: bool = False
    placeholder: str = ""  # X, XX … as written, when the number is one

    @property
    def shown(self) -> str:
        return shown_figure(self.number, self.unit, self.approx, self.placeholder)


def shown_figure(
    number: float | None, unit: str, approx: bool = False, placeholder: str = ""
) -> str:
    """A figure as a person reads it: 12次, XX余篇, 5.2万元 (a placeholder as written)."""
    value = (placeholder or "X") if number is None else f"{number:g}"
    return f"{value}{'余' if approx else ''}{unit}"


def extract_facts(text: str) -> list[Fact]:
    """Every count or amount in a passage, in order."""
    facts = []
    for sentence in SENTENCE.findall(text):
        for part in (ASIDE.sub("", sentence), *ASIDE.findall(sentence)):
            # most parts hold no figure; a clause's figure is one of its part's, as clauses
            # end at punctuation, which no figure holds and none may follow
            if FIGURE.search(part):
                for clause in CLAUSE.findall(part):
                    facts.extend(_clause_facts(clause, sentence.strip()))
    return facts


def _clause_facts(clause: str, sentence: str) -> list[Fact]:
    """Figures of one clause; "召开支部党员大会XX次、支委会XX次" is two clauses at its 、."""
    if not FIGURE.search(clause):  # a figure of one of its parts is one of the clause's
        return []
    parts = clause.split("、")
    if sum(1 for part in parts if FIGURE.search(part)) < 2:
        parts = [clause]
    facts = []
    for part in parts:
        for match in FIGURE.finditer(part):
            number = _number(match["number"])
            if number is _NOT_A_COUNT or _is_rate_or_slogan(part, match):
                continue
            what = FILLER.sub("", FIGURE.sub("", part).strip()).strip("、 ")
            if len(what.strip(QUOTE_CHARS)) >= MIN_WHAT:
                unit = (match["scale"] or "") + match["unit"]
                placeholder = match["number"] if number is None else ""
                facts.append(Fact(what, number, unit, sentence, bool(match["approx"]), placeholder))
    return facts


_NOT_A_COUNT = object()


def _number(numeral: str) -> float | object | None:
    """The value of a numeral, None for a placeholder, _NOT_A_COUNT for a stray character."""
    if numeral.startswith("X"):
        return None
    if numeral[0].isdigit():
        return float(numeral)
    digits = to_digits(numeral)
    return float(digits) if digits is not None else _NOT_A_COUNT


def _is_rate_or_slogan(clause: str, match: re.Match[str]) -> bool:
    """每季度一次 is a rate; a lone Chinese digit before a word is a slogan ("四个意识",
    "两个责任"), and so is anything inside quotes; a lone 一 is an idiom ("不漏一人")."""
    before = clause[: match.start()]
    if "每" in before:
        return True
    if before.count("“") > before.count("”"):
        return True
    numeral, after = match["number"], clause[match.end() :]
    chinese = not numeral[0].isdigit() and not numeral.startswith("X")
    lone = chinese and len(numeral) == 1
    noun_measure = match["unit"] not in VERBAL_MEASURES  # "两次组织…" counts, "四个意识" not
    return lone and (numeral == "一" or (noun_measure and bool(SLOGAN_FOLLOWERS.match(after))))


class Figure(Protocol):
    """Anything with a number and a unit: a Fact, or a stored one."""

    number: float | None
    unit: str


def figure_sum(facts: Sequence[Figure]) -> tuple[float | None, str | None]:
    """The sum of the figures, or why none is given: "placeholder" when one is X/XX,
    "units" when their units differ (None, None for fewer than two figures)."""
    if len(facts) < 2:
        return None, None
    if any(f.number is None for f in facts):
        return None, "placeholder"
    if len({f.unit for f in facts}) > 1:
        return None, "units"
    return sum(f.number for f in facts if f.number is not None), None


ASKED_UNIT = "次回遍名位人个份项件篇场期户批家所条本部轮册天"
ASKS_COUNT = re.compile(
    rf"多少|几(?:[{ASKED_UNIT}]|多)|数量|总数|总额|金额|how (?:many|much)", re.I
)
NOT_TOPIC = re.compile(
    rf"一共|总共|合计|累计|总计|多少[{ASKED_UNIT}]?|几[{ASKED_UNIT}]?|数量|总数|分别|"
    r"各(?:个)?(?:党?支部|单位|部门|社区|科室|股室|处室|村)|(?:19|20)\d{2}年度?|"
    r"今年|去年|全年|明年|来年|下一?步|今后|计划|打算|准备|我们|咱们|有|了|吗|呢|是|都|共|"
    r"[\s？?。，,！!、]"
)
SAME_UNIT = {"回": "次", "遍": "次", "位": "名", "人": "名"}
TOPIC_SHARE = 2 / 3


@dataclass(frozen=True)
class FactQuery:
    """What a how-many question counts: bigrams of its topic, the unit and year asked."""

    bigrams: tuple[str, ...]
    unit: str | None
    year: int | None


def asks_count(question: str) -> bool:
    """Whether a question asks how many or how much (一共开展了多少次, 发展了几名)."""
    return bool(ASKS_COUNT.search(question))


def fact_query(question: str) -> FactQuery:
    """The topic words (as bigrams), unit and year of a question about figures."""
    unit = re.search(rf"(?:多少|几)([{ASKED_UNIT}])", question)
    year = re.search(r"((?:19|20)\d{2})年", question)
    grams: list[str] = []
    for segment in NOT_TOPIC.split(question):
        segment = segment.strip(QUOTE_CHARS)
        grams.extend(segment[i : i + 2] for i in range(len(segment) - 1))
    # 个 is everyday speech's measure word for anything: "几个党员" asks for 名 too
    asked = SAME_UNIT.get(unit[1], unit[1]) if unit and unit[1] != "个" else None
    return FactQuery(
        tuple(dict.fromkeys(grams)),
        asked,
        int(year[1]) if year else None,
    )


def topic_share(query: FactQuery, what: str, title: str = "") -> float:
    """Share of the question's topic bigrams that the fact's `what` (or its report's
    title, for "青岚县税务局…") holds; 0 when `what` holds none of them."""
    plain = "".join(c for c in what if c not in QUOTE_CHARS)
    if not query.bigrams or not any(gram in plain for gram in query.bigrams):
        return 0.0
    held = sum(1 for gram in query.bigrams if gram in plain or gram in title)
    return held / len(query.bigrams)


def fits(query: FactQuery, what: str, unit: str, year: int | None, title: str = "") -> bool:
    """Whether a fact answers the question: its topic, the unit asked, the year asked."""
    if query.unit and SAME_UNIT.get(unit, unit) != query.unit:
        return False
    if query.year and year != query.year:
        return False
    return topic_share(query, what, title) >= TOPIC_SHARE - 1e-9


@dataclass(frozen=True)
class FactScore:
    """Extracted figures against a person's annotation: matched, extracted, annotated."""

    matched: int
    extracted: int
    annotated: int

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.annotated if self.annotated else 0.0


def score_facts(gold: Sequence[dict], extracted: dict[str, Sequence[Fact]]) -> FactScore:
    """Match annotated figures ({"file", "number", "unit", "sentence_needle"}) one to one
    with extracted ones of the same file, number and unit whose sentence holds the needle
    (an annotated unit "余篇" is 篇 with `approx`)."""
    unused = {name: list(facts) for name, facts in extracted.items()}
    matched = 0
    for row in gold:
        pool = unused.get(row["file"], [])
        number = None if row["number"] is None else float(row["number"])
        unit = re.sub("[余多]", "", row["unit"])  # 余/多 is the fact's `approx`, not its unit
        hit = next(
            (
                f
                for f in pool
                if f.number == number and f.unit == unit and row["sentence_needle"] in f.text
            ),
            None,
        )
        if hit is not None:
            pool.remove(hit)
            matched += 1
    total = sum(
        len(facts) for name, facts in extracted.items() if any(r["file"] == name for r in gold)
    )
    return FactScore(matched, total, len(gold))
