"""The organisation a report speaks for, from its title and opening line.

Reports name their author before the year and genre ("市委办公室党总支2020年党建工作总结",
"东湖街道党工委书记2023年度…述职报告"), or only in the first sentence ("…，X市X局机关党委坚持…").
Comparing years and spotting reused wording both start from "which organisation wrote it".
"""

from __future__ import annotations

import re

YEARS = re.compile(r"(?:19|20)\d{2}\s*年(?:度)?|[上下]半年|全年|年度")
GENRE = re.compile(
    r"抓基层党建|党建工作|党建|党风廉政|工作总结|工作安排|工作|述职|总结|报告|汇报|情况|要点|计划"
)
PERSON = re.compile(r"(?:副?书记|主任|局长|负责人|同志)$")
LEADING = re.compile(r"^(?:关于|[（(【].*?[）)】])+")
# Party bodies only: an opening clause names its subject so ("X市X局机关党委坚持…").
PARTY_BODY = r"(?:机关党委|机关工委|党总支|党支部|党工委|党委|党组|工委|区委|市委|县委)"
SUBJECT = re.compile(rf"^([\u4e00-\u9fffX]{{0,12}}{PARTY_BODY})")
CLAUSES = re.compile(r"[，。；：,;:\n]")
PLACEHOLDER_ONLY = re.compile(r"^[X×]*$")
MAX_ORG = 24


def extract_org(title: str, opening: str = "") -> str | None:
    """The organisation named in a title (before its year, or in a bracketed note), else as
    the subject of an opening clause: an opening often names the body above ("区委…")."""
    return _from_title(title) or _from_note(title) or _from_opening(opening)


def _from_title(title: str) -> str | None:
    """The words before the year and genre, without a trailing office holder (书记)."""
    text = LEADING.sub("", YEARS.sub("", title.strip()))
    genre = GENRE.search(text)
    head = PERSON.sub("", text[: genre.start()] if genre else "").strip("的之 ")
    return head if _plausible(head) else None


def _from_opening(opening: str) -> str | None:
    """The subject of the first clause that starts with an organisation ("区委牢固树立…")."""
    for clause in CLAUSES.split(opening[:300]):
        clause = YEARS.sub("", clause.strip())
        if clause.startswith(("在", "按照", "根据", "对照", "围绕", "我")):
            continue
        match = SUBJECT.match(clause)
        if match and _plausible(match[1]):
            return match[1]
    return None


def _from_note(title: str) -> str | None:
    """A bracketed note naming the kind of body: "2020年度党建工作总结（街道）"."""
    match = re.search(r"[（(]([\u4e00-\u9fff]{2,12})[）)]\s*$", title)
    return match[1] if match else None


def _plausible(name: str) -> bool:
    return 2 <= len(name) <= MAX_ORG and not PLACEHOLDER_ONLY.match(name)
