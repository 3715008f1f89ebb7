"""Word's automatic list numbers (numbering.xml), rendered as a reader sees them.

python-docx's `paragraph.text` leaves them out, so a report numbered by Word showed no
一、/（一） at all. Counters follow Word: they belong to the abstract list, so two `w:num`
instances of one list continue each other unless one restarts with `w:startOverride`; a
level restarts after a higher level unless `w:lvlRestart` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_LEVELS = 9
CN_DIGITS = "〇一二三四五六七八九"
CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
DIZHI = "子丑寅卯辰巳午未申酉戌亥"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PARENTHESIZED = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
FULLSTOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def val(element, name: str, default: str | None = None) -> str | None:
    """The w:val of a child element, or default."""
    child = element.find(W + name) if element is not None else None
    if child is None:
        return default
    return child.get(W + "val", default)


def int_val(element, name: str, default: int | None = None) -> int | None:
    text = val(element, name)
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Level:
    """One level of a list: how its number looks and when it restarts."""

    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # restart after this (1-based) level; 0 never; None any higher
    legal: bool = False
    suffix: str = "tab"


MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Word 2010+ writes some formats as w:numFmt w:val="custom" w:format="一, 二, 三, ..." inside
# mc:AlternateContent, with a standard value in the fallback; the first sample decides.
CUSTOM_FORMATS = {
    "一": "chineseCounting",
    "壹": "chineseLegalSimplified",
    "甲": "ideographTraditional",
    "①": "decimalEnclosedCircle",
    "01": "decimalZero",
    "1": "decimal",
}


def _number_format(lvl) -> str:
    """A level's numFmt, looking inside mc:AlternateContent when Word put it there."""
    fmt = val(lvl, "numFmt")
    if fmt is not None:
        return fmt
    for alternate in lvl.iterfind(MC + "AlternateContent"):
        for choice in alternate:
            num_fmt = choice.find(W + "numFmt")
            if num_fmt is None:
                continue
            value = num_fmt.get(W + "val", "decimal")
            if value != "custom":
                return value
            sample = (num_fmt.get(W + "format") or "").split(",")[0].strip()
            if sample in CUSTOM_FORMATS:
                return CUSTOM_FORMATS[sample]
    return "decimal"


def _level(lvl) -> Level:
    legal = lvl.find(W + "isLgl")
    return Level(
        start=int_val(lvl, "start", 1),
        fmt=_number_format(lvl),
        text=val(lvl, "lvlText", ""),
        restart=int_val(lvl, "lvlRestart"),
        legal=legal is not None and legal.get(W + "val", "1") not in ("0", "false"),
        suffix=val(lvl, "suff", "tab"),
    )


def _levels(parent) -> dict[int, Level]:
    return {
        int(lvl.get(W + "ilvl", "0")): _level(lvl)
        for lvl in parent.iterfind(W + "lvl")
        if lvl.get(W + "ilvl", "0").isdigit()
    }


class Numbering:
    """Render the number of each numbered paragraph, in document order."""

    def __init__(self, root=None, style_num_ids: dict[str, str] | None = None) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.links: dict[str, str] = {}  # abstractNum → style it takes its list from
        self.nums: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        self.style_num_ids = style_num_ids or {}
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for abstract in root.iterfind(W + "abstractNum"):
            key = abstract.get(W + "abstractNumId", "")
            self.abstract[key] = _levels(abstract)
            link = val(abstract, "numStyleLink")
            if link:
                self.links[key] = link
        for num in root.iterfind(W + "num"):
            overrides, starts = {}, {}
            for override in num.iterfind(W + "lvlOverride"):
                ilvl = int(override.get(W + "ilvl", "0") or 0)
                start = int_val(override, "startOverride")
                if start is not None:
                    starts[ilvl] = start
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    overrides[ilvl] = _level(lvl)
            self.nums[num.get(W + "numId", "")] = (val(num, "abstractNumId", ""), overrides, starts)

    def _abstract_id(self, num_id: str, depth: int = 0) -> str | None:
        entry = self.nums.get(num_id)
        if entry is None:
            return None
        abstract = entry[0]
        link = self.links.get(abstract)
        if link and depth < 3 and link in self.style_num_ids:  # a list defined by a style
            return self._abstract_id(self.style_num_ids[link], depth + 1) or abstract
        return abstract

    def label(self, num_id: str, ilvl: int) -> str:
        """The number a paragraph shows ("一、", "（二）", "3."), advancing the counters."""
        abstract_id = self._abstract_id(num_id)
        if abstract_id is None or not 0 <= ilvl < MAX_LEVELS:
            return ""
        _, overrides, starts = self.nums[num_id]
        levels = {**self.abstract.get(abstract_id, {}), **overrides}
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(abstract_id, [None] * MAX_LEVELS)
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in starts.items():
                if 0 <= lvl < MAX_LEVELS:
                    counters[lvl] = start - 1
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, MAX_LEVELS):
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart > 0 and ilvl < restart):
                counters[deeper] = None
        if level.fmt in ("bullet", "none") and "%" not in level.text:
            return ""
        return self._render(level, levels, counters, ilvl)

    def _render(self, level: Level, levels: dict[int, Level], counters, ilvl: int) -> str:
        text = level.text
        for n in range(MAX_LEVELS, 0, -1):
            placeholder = f"%{n}"
            if placeholder not in text:
                continue
            source = levels.get(n - 1, Level())
            value = counters[n - 1] if counters[n - 1] is not None else source.start
            fmt = "decimal" if level.legal and n - 1 < ilvl else source.fmt
            text = text.replace(placeholder, format_number(value, fmt))
        return text + (" " if level.suffix == "space" and text else "")


def format_number(n: int, fmt: str) -> str:
    """A list number in one of Word's formats (ST_NumberFormat); unknown ones are decimal."""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "koreanCounting",
    ):
        return chinese_count(n)
    if fmt == "chineseLegalSimplified":
        return chinese_count(n, CN_LEGAL, "拾佰仟")
    if fmt in (
        "ideographDigital",
        "taiwaneseDigital",
        "japaneseDigitalTenThousand",
        "koreanDigital",
    ):
        return "".join(CN_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional" and 1 <= n <= len(TIANGAN):
        return TIANGAN[n - 1]
    if fmt == "ideographZodiac" and 1 <= n <= len(DIZHI):
        return DIZHI[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _from_table(n, CIRCLED)
    if fmt == "decimalEnclosedParen":
        return _from_table(n, PARENTHESIZED)
    if fmt == "decimalEnclosedFullstop":
        return _from_table(n, FULLSTOP)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and 0 < n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)


def _from_table(n: int, table: str) -> str:
    return table[n - 1] if 1 <= n <= len(table) else str(n)


def _roman(n: int) -> str:
    out = []
    for value, letters in ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def chinese_count(n: int, digits: str = CN_DIGITS, units: str = "十百千") -> str:
    """一 … 十, 十一, 二十, 一百零五: how Word counts in Chinese (below 10,000)."""
    if n <= 0 or n >= 10000:
        return str(n)
    parts, zero = [], False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append(digits[0] if digits is not CN_DIGITS else "零")
            zero = False
        unit = units[power - 1] if power else ""
        parts.append(unit if (power == 1 and digit == 1 and not parts) else digits[digit] + unit)
    return "".join(parts)
