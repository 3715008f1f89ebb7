"""Frozen results passed between parsing, chunking, storage and search."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("work", "problem", "plan", "other")
UNIT_SEPARATOR = "\x1f"


def packed(strings: tuple[str, ...]) -> str | tuple[str, ...]:
    """Many short strings as one, for the trip from an ingest worker to the writer: one
    string pickles and unpickles far faster than thousands (the tuple itself if a string
    holds the separator, or there are fewer than two)."""
    joined = UNIT_SEPARATOR.join(strings)
    return (
        joined if len(strings) > 1 and joined.count(UNIT_SEPARATOR) == len(strings) - 1 else strings
    )


def unpacked(strings: str | tuple[str, ...]) -> tuple[str, ...]:
    """The strings packed() packed."""
    return strings if isinstance(strings, tuple) else tuple(strings.split(UNIT_SEPARATOR))


@dataclass(frozen=True)
class Section:
    """Smallest section of a report: its heading path and original text.

    `pages` gives the page of each line of `text` (empty when the format has no pages);
    `year` is the year the section is about when the report covers two (总结 and 安排).
    """

    path: tuple[str, ...]
    kind: str
    text: str
    pages: tuple[int, ...] = ()
    year: int | None = None


@dataclass(frozen=True)
class ParsedReport:
    """A report as read from one file, boilerplate removed."""

    title: str
    year: int | None
    format: str
    sections: tuple[Section, ...]
    parts: int
    removed_lines: tuple[str, ...] = ()
    path_only_headings: tuple[str, ...] = ()
    ocr_pages: int = 0
    table_lines: int = 0
    body_lines: int = 0

    @property
    def structured(self) -> bool:
        """False when no heading was found, so the whole file became one section."""
        return any(section.path for section in self.sections)


@dataclass(frozen=True)
class Chunk:
    """A passage of a section, the unit the BM25 index scores."""

    section: int
    path: tuple[str, ...]
    kind: str
    text: str
    tokens: tuple[str, ...] = field(default=(), repr=False)
    page: int | None = None
    year: int | None = None
    compact: str = field(default="", repr=False)  # the text as search compares it (ranking)

    def analysed(self, tokens: tuple[str, ...], compact: str) -> Chunk:
        """This passage with its index tokens and compact text (dataclasses.replace() costs
        ten times as much, once per passage ingested)."""
        fields = (self.section, self.path, self.kind, self.text)
        return Chunk(*fields, tokens, self.page, self.year, compact)

    def __reduce__(self):  # tokens packed: a report's passages travel from a worker
        fields = (self.section, self.path, self.kind, self.text)
        return _chunk, (*fields, packed(self.tokens), self.page, self.year, self.compact)


def _chunk(section, path, kind, text, tokens, page, year, compact) -> Chunk:
    return Chunk(section, path, kind, text, unpacked(tokens), page, year, compact)


@dataclass(frozen=True)
class Hit:
    """One cited passage in a search result."""

    rank: int
    score: float
    chunk_id: int
    doc_id: int
    doc_title: str
    section_path: tuple[str, ...]
    kind: str
    text: str
    matched_terms: tuple[str, ...] = ()
    also_in: tuple[str, ...] = ()
    confident: bool = True
    page: int | None = None
    feedback: float = 1.0  # the factor the team's passage votes applied to its score

    @property
    def citation(self) -> str:
        """Document title › section path (· 第3页 for a paged file), as shown under a passage."""
        return self._cite(self.section_path)

    def citation_under(self, shown: str) -> str:
        """The citation under `shown` (this passage's text, or a part of it): a last heading
        the shown text opens with is left out, so the reader sees that heading once."""
        path = self.section_path
        if path and " ".join(shown.split()).startswith(" ".join(path[-1].split())):
            path = path[:-1]
        return self._cite(path)

    def _cite(self, path: tuple[str, ...]) -> str:
        cited = " › ".join((self.doc_title, *path))
        return f"{cited} · 第{self.page}页" if self.page else cited


@dataclass(frozen=True)
class IngestWarning:
    """Something a person should check after an ingest: `code` is flat, tables or ocr.

    `count` of `total`: table rows of body lines, or OCRed pages of all pages.
    """

    code: str
    count: int = 0
    total: int = 0
