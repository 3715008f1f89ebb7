"""A draft .docx of picked passages: the wording to reuse, grouped, with its sources.

Passages are grouped by kind (work, problems, plans) as next year's report is; outline
numbers go (the new report numbers itself), placeholders X/XX are highlighted so none is
left in by mistake, and each passage keeps a small source line under it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt, RGBColor

from ..retrieval.models import KINDS
from ..retrieval.wording import copy_ready

if TYPE_CHECKING:  # the service imports this module
    from .service import ChunkRecord

KIND_HEADINGS = {"work": "主要工作", "problem": "存在问题", "plan": "下步打算", "other": "其他"}
PLACEHOLDER = re.compile(r"(?<![A-Za-z])(X{1,4})(?![A-Za-z])")
SOURCE_POINTS = 9
SOURCE_GREY = RGBColor(0x66, 0x66, 0x66)


def build_draft(topic: str, records: Sequence[ChunkRecord]) -> bytes:
    """The .docx bytes: a title, then one heading per kind with its passages and sources."""
    document = Document()
    document.add_heading(f"{topic}（草稿）", level=0)
    for kind in KINDS:
        chosen = [r for r in records if r.kind == kind]
        if not chosen:
            continue
        document.add_heading(KIND_HEADINGS[kind], level=1)
        for record in chosen:
            for line in copy_ready(record.text, record.path).splitlines():
                _add_wording(document.add_paragraph(), line)
            source = document.add_paragraph().add_run(
                "— 出处：" + " › ".join((record.doc_title, *record.path))
            )
            source.font.size = Pt(SOURCE_POINTS)
            source.font.italic = True
            source.font.color.rgb = SOURCE_GREY
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_wording(paragraph, line: str) -> None:
    """A line of wording, its placeholders in highlighted runs."""
    for index, piece in enumerate(PLACEHOLDER.split(line)):
        if piece:
            run = paragraph.add_run(piece)
            if index % 2:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
