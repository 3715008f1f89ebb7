"""Chat commands and buttons of the team-memory features: /compare, /reuse, /draft picks.

Registered into the conversation core's tables; like the core, it only calls
ReportService and returns reply objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import callbacks
from .render import escape, shorten
from .replies import Document, Notice, Output, Reply
from .service import NotFoundError, ReportService
from .views import Views

if TYPE_CHECKING:
    from .core import Event

DOC_ID_DIGITS = 12


class MemoryChat:
    """Handlers for comparing years, reuse and drafts, answering through one Views."""

    def __init__(self, service: ReportService, views: Views) -> None:
        self.service = service
        self.views = views

    def commands(self) -> dict[str, Callable[[Event, str], list[Output]]]:
        return {"compare": self._compare, "reuse": self._reuse}

    def buttons(self) -> dict[str, tuple[int, Callable[..., list[Output]]]]:
        return {
            callbacks.PICK: (1, self._pick),
            callbacks.DRAFT: (1, self._make_draft),
            callbacks.REUSE: (1, self._reuse_doc),
        }

    def figures(self, question: str) -> list[Output]:
        """The figures line that follows the answer to a how-many question (or nothing)."""
        figures = self.service.figures(question)
        return [self.views.figures(figures)] if figures else []

    def _usage(self, event: Event, key: str) -> list[Output]:
        usage = self.views.text("usage", usage=self.views.text(key))
        return [Reply(usage, quote=event.in_group)]

    def _compare(self, event: Event, topic: str) -> list[Output]:
        if not topic:
            return self._usage(event, "usage_compare")
        return list(self.views.compare(topic, self.service.compare(topic)))

    def _reuse(self, event: Event, argument: str) -> list[Output]:
        if not (argument.isdigit() and len(argument) <= DOC_ID_DIGITS):
            return self._usage(event, "usage_reuse")
        try:
            return self._reuse_doc(event, int(argument))
        except NotFoundError:
            text = self.views.text("no_such_doc", doc_id=int(argument))
            return [Reply(text, quote=event.in_group)]

    def _reuse_doc(self, event: Event, doc_id: int) -> list[Output]:
        """Raises NotFoundError for a deleted report (the core says it is gone)."""
        title = self.service.document(doc_id).title
        titles = {d.doc_id: d.title for d in self.service.documents()}
        return list(self.views.reuse(title, self.service.reuse(doc_id), titles))

    def _pick(self, event: Event, chunk_id: int) -> list[Output]:
        picked, count = self.service.toggle_pick(event.user_id, chunk_id)
        return [Notice(self.views.text("draft_added" if picked else "draft_removed", count=count))]

    def _make_draft(self, event: Event, log_id: int) -> list[Output]:
        topic = self.service.logged_topic(log_id)
        made = self.service.draft_picks(event.user_id, topic)
        if made is None:
            return [Notice(self.views.text("draft_empty"), alert=True)]
        content, count = made
        caption = self.views.text("draft_caption", topic=escape(shorten(topic, 40)), count=count)
        name = f"{shorten(topic, 20).replace('/', '_')}草稿.docx"
        return [Notice(caption), Document(name, content, caption)]
