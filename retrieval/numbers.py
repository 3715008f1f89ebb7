"""Counts written either way (十二次 / 12次, 一百 / 100) as one canonical token.

Reports and questions write figures in Chinese numerals or digits at random. A count (a
numeral before a measure word) becomes an extra token "12次"; a numeral with 十/百/千/万
alone becomes its value ("100"), which is how jieba splits digits. The original words stay
indexed as they are, so a misread ("一是" has no measure word and is left alone) costs
nothing. 回 and 遍 count like 次, 位 and 人 like 名.
"""

from __future__ import annotations

import re
from functools import lru_cache

MEASURE_WORDS = "次回遍场期名位人个份项件篇条家所批支本元万户处座"
SAME_MEASURE = {"回": "次", "遍": "次", "位": "名", "人": "名"}
CHINESE_DIGITS = "零〇一二两三四五六七八九十百千万"
COUNT = re.compile(rf"(\d+|[{CHINESE_DIGITS}]+)(?:余|多)?([{MEASURE_WORDS}])")
LARGE_NUMERAL = re.compile(
    r"[零〇一二两三四五六七八九]*[十百千万][零〇一二两三四五六七八九十百千万]*"
)


def number_tokens(text: str) -> list[str]:
    """Canonical count and value tokens of normalised text ("开了十二回会" → ["12次"])."""
    tokens = []
    for numeral, measure in COUNT.findall(text):
        value = numeral if numeral.isdigit() else to_digits(numeral)
        if value is not None:
            tokens.append(f"{value}{SAME_MEASURE.get(measure, measure)}")
    for numeral in LARGE_NUMERAL.findall(text):
        value = to_digits(numeral)
        if value is not None:
            tokens.append(value)
    return tokens


@lru_cache(maxsize=4096)
def to_digits(numeral: str) -> str | None:
    """Arabic digits of a Chinese numeral (两千 → 2000), None when it is not one (百)."""
    import cn2an  # imported on first use: 80 ms that a start-up need not pay

    try:
        return str(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError, IndexError):
        return None
