"""Reply objects the conversation core returns; adapters turn them into messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """A button under a reply: exactly one of callback data, url, copy text or inline query."""

    text: str
    data: str | None = None
    url: str | None = None
    copy_text: str | None = None
    switch_inline: str | None = None


@dataclass(frozen=True)
class Reply:
    """Text in Telegram's HTML subset (report text always escaped) plus rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit: bool = False
    chat_id: int | None = None
