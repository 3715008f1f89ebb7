"""Frozen results passed between parsing, chunking, storage and search."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("work", "problem", "plan", "other")


@dataclass(frozen=True)
class Section:
    """Smallest section of a report: its heading path and original text."""

    path: tuple[str, ...]
    kind: str
    text: str


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

    @property
    def citation(self) -> str:
        """Document title › section path, as shown under a passage."""
        return " › ".join((self.doc_title, *self.section_path))
