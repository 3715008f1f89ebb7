"""What every format reader returns, and the file checks they share."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DocumentError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    """Lines of a file, with what the format itself says about them.

    `levels` maps a line index to a heading level the format declared (0 is the title);
    `pages` gives each line's page number (empty for formats without pages); `tables`
    holds the indices of lines that are table rows ("cell | cell"), never headings;
    `ocr_pages` counts pages whose text came from OCR.
    """

    lines: tuple[str, ...]
    format: str
    levels: dict[int, int]
    pages: tuple[int, ...] = ()
    tables: frozenset[int] = field(default_factory=frozenset)
    ocr_pages: int = 0

    def page(self, index: int) -> int | None:
        """Page number of a line, or None when the format has no pages."""
        return self.pages[index] if index < len(self.pages) else None


def regular_file_size(path: Path) -> int:
    """Size of a regular file; a FIFO or device is refused before it is opened (it could block)."""
    try:
        info = path.stat()
    except OSError as error:
        raise DocumentError(f"{path.name}: cannot read ({error.strerror})") from error
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"{path.name}: not a regular file")
    return info.st_size


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, never more than max_bytes even if it grew after it was measured."""
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise DocumentError(f"{path.name}: cannot read ({error.strerror})") from error
    if len(data) > max_bytes:
        raise DocumentError(f"{path.name}: file is over the {max_bytes:,}-byte limit")
    return data
