"""Recognise promotional header/footer lines that must never be indexed or cited.

Three signals, none tied to one source's wording: advert and contact patterns on short
lines, lines that repeat verbatim across several documents, and (in the parser) short
lines standing before the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .text import line_key

AD_PATTERNS = (
    r"Q\s*Q\s*(群|号|：|:)?\s*\d{5,}",
    r"(QQ|微信|VX|vx)\s*群",
    r"(加|添加)\s*(微信|V信|vx|VX|QQ)",
    r"(会员|VIP)\s*(资料|群|权益|专享|材料)",
    r"(禁止|严禁)\s*(外传|转载|倒卖|传播)",
    r"仅供\s*(学习|参考|内部)",
    r"用后删除",
    r"(立即|现在)?订阅",
    r"倒卖",
    r"(咨询|联系)\s*(QQ|微信|电话|客服)",
    r"(淘宝|店铺|公众号|小程序)\s*[：:]",
    r"(https?://|www\.)\S+",
    r"[\w.-]+@[\w-]+\.(com|cn|net)",
    r"(版权所有|侵权必究|免费领取|扫码)",
)
MAX_AD_LINE = 80
MAX_REPEATED_LINE = 60
REPEAT_DOCUMENTS = 3


class BoilerplateFilter:
    """Decide whether a (non-structural) line is promotional junk."""

    def __init__(
        self, extra_patterns: Iterable[str] = (), repeated_lines: Iterable[str] = ()
    ) -> None:
        self._ads = re.compile("|".join((*AD_PATTERNS, *extra_patterns)), re.IGNORECASE)
        self._repeated = frozenset(repeated_lines)

    def is_boilerplate(self, line: str) -> bool:
        """True for a short advert/contact line or a short line seen across many documents."""
        stripped = line.strip()
        if not stripped:
            return False
        if len(stripped) <= MAX_AD_LINE and self._ads.search(stripped):
            return True
        return len(stripped) <= MAX_REPEATED_LINE and line_key(stripped) in self._repeated


def candidate_keys(lines: Iterable[str]) -> set[str]:
    """Keys of the short lines of one document, counted across documents to find repeats."""
    return {
        line_key(line) for line in lines if line.strip() and len(line.strip()) <= MAX_REPEATED_LINE
    }
