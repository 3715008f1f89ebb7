"""Reply objects the conversation core returns; adapters turn them into messages.

They carry no Telegram types, so the terminal adapter and the tests read them directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """A button under a reply: exactly one of callback data, url, deep-link start payload,
    copy text or inline query."""

    text: str
    data: str | None = None
    url: str | None = None
    start: str | None = None
    copy_text: str | None = None
    switch_inline: str | None = None


@dataclass(frozen=True)
class Reply:
    """Text in Telegram's HTML subset (report text always escaped) plus rows of buttons.

    `edit` replaces the message whose button was pressed; `chat_id` sends to another chat
    than the event's; `quote` answers as a reply to the user's message (groups).
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit: bool = False
    chat_id: int | None = None
    quote: bool = False


@dataclass(frozen=True)
class Notice:
    """The short answer to a button press, shown as a toast (or a dialog when `alert`)."""

    text: str
    alert: bool = False


@dataclass(frozen=True)
class Article:
    """One inline-mode result: what the picker shows and the message it inserts."""

    id: str
    title: str
    description: str
    text: str


@dataclass(frozen=True)
class InlineButton:
    """A button above inline results that opens a private chat with `/start <start>`:
    explains a refusal without anything being posted into the chat."""

    text: str
    start: str


@dataclass(frozen=True)
class Document:
    """A file sent into the chat (a draft .docx), with a short caption."""

    file_name: str
    content: bytes
    caption: str = ""


Output = Reply | Notice | Article | InlineButton | Document
