"""The terminal adapter behind `reportbot chat`: the bot's replies as plain text.

The local user already holds the database, so no allow-lists or rate limit apply. Buttons
are listed as #1, #2 …; typing ``#2`` presses one, as tapping it would in Telegram. A
file the bot sends (a draft .docx) is written into the current folder.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .access import Access, RateLimiter, login_name
from .config import Settings
from .core import Conversation, Event, safe_file_name, typed_mark
from .render import to_plain
from .replies import Button, Document, Notice, Output, Reply
from .service import ReportService

TERMINAL_USER = 0
BOT_NAME = "reportbot"
PRESS = re.compile(r"^#(\d+)$")
QUIT = frozenset({"/quit", "/exit", "/q", "退出"})


def terminal_conversation(service: ReportService, settings: Settings) -> Conversation:
    """A conversation for the local user: admin, no limit, buttons valid for this session."""
    return Conversation(
        service,
        settings,
        secret=secrets.token_bytes(16),
        access=Access(public=True, admins=frozenset({TERMINAL_USER})),
        limiter=RateLimiter(0),
        source="terminal",
    )


def save_file(document: Document, folder: Path) -> Path:
    """Write a file the bot sent into `folder` under a free name: 草稿.docx, else
    草稿 (2).docx, 草稿 (3).docx … (an existing file is never overwritten)."""
    name = Path(safe_file_name(document.file_name))
    path, number = folder / name, 1
    while True:
        try:
            with path.open("xb") as file:
                file.write(document.content)
            return path
        except FileExistsError:
            number += 1
            path = folder / f"{name.stem} ({number}){name.suffix}"


def render(outputs: Iterable[Output], folder: Path | None = None) -> tuple[str, list[Button]]:
    """Replies as plain text with their pressable buttons numbered, and those buttons;
    files are saved into `folder` (the current one by default) and named with their size."""
    parts: list[str] = []
    buttons: list[Button] = []
    for output in outputs:
        if isinstance(output, Notice):
            parts.append(f"({to_plain(output.text)})")
        elif isinstance(output, Document):
            try:
                path = save_file(output, folder or Path.cwd())
            except OSError as error:  # a read-only folder: say so, keep the session
                parts.append(f"[{output.file_name} not saved: {error.strerror or error}]")
            else:
                parts.append(f"[saved {path}, {len(output.content):,} bytes]")
        elif isinstance(output, Reply):
            parts.append(to_plain(output.text))
            labels = []
            for button in (b for row in output.buttons for b in row if b.data):
                buttons.append(button)
                labels.append(f"#{len(buttons)} {button.text}")
            if labels:
                parts.append("  ".join(labels))
    return "\n\n".join(parts), buttons


def typed_lines(prompt: str = "> ") -> Iterator[str]:
    """Lines typed at a prompt (with line editing), until Ctrl-D."""
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return


def repl(conversation: Conversation, lines: Iterable[str], echo: Callable[[str], None]) -> None:
    """Answer each line; `#N` presses button N of the last reply; /quit ends the session."""
    buttons: list[Button] = []
    event_of = functools.partial(
        Event, TERMINAL_USER, TERMINAL_USER, bot_username=BOT_NAME, user_name=login_name("terminal")
    )
    for line in (typed_mark(line.strip()) for line in lines):
        if not line:
            continue
        if line.lower() in QUIT:
            return
        press = PRESS.match(line)
        if line.startswith("#") and not (press and 0 < int(press[1]) <= len(buttons)):
            echo(render(conversation.no_button(line))[0])
            continue
        if press:
            event = event_of(callback_data=buttons[int(press[1]) - 1].data)
        else:
            event = event_of(text=line)
        text, pressable = render(conversation.handle(event))
        buttons = pressable or buttons
        echo(text)
