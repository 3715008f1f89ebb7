"""From a file's text to indexable passages: the CPU-heavy part of ingest, run in workers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .boilerplate import BoilerplateFilter
from .chunker import chunk_sections
from .facts import Fact, extract_facts
from .formats import SourceText, read_source
from .models import Chunk, IngestWarning, ParsedReport
from .parser import parse_report
from .terms import TermRows, index_terms
from .text import normalize, squeeze
from .tokenizer import harvest_phrases, tokenize, tokenize_normalized


@dataclass(frozen=True)
class AnalysedReport:
    """A parsed report with its tokenized passages and the phrases it defines."""

    report: ParsedReport
    chunks: tuple[Chunk, ...]
    phrases: frozenset[str]
    warnings: tuple[IngestWarning, ...] = ()
    terms: tuple[TermRows, ...] = ()  # per search field (terms.FIELDS), made here in the worker
    facts: tuple[tuple[int, Fact], ...] = ()  # (passage position, figure), found here too


def analyse_report(source: SourceText, name: str, boilerplate: BoilerplateFilter) -> AnalysedReport:
    """Parse, chunk and tokenize one report (the passage's headings are indexed with it),
    and find its figures: the CPU-heavy work, done in a worker, not by the one writer."""
    report = parse_report(source, name, boilerplate)
    phrases = frozenset(harvest_phrases("\n".join(s.text for s in report.sections)))
    chunks = []
    for chunk in chunk_sections(report.sections):
        normalized = normalize(chunk.text)
        tokens = passage_tokens(chunk.path, normalized, phrases)
        chunks.append(chunk.analysed(tokens, squeeze(normalized)))
    chunks = tuple(chunks)
    facts = tuple((i, fact) for i, chunk in enumerate(chunks) for fact in extract_facts(chunk.text))
    warnings = self_check(report, source)
    return AnalysedReport(report, chunks, phrases, warnings, index_terms(chunks), facts)


# A file whose body is more than this share of table rows is "mostly tables".
TABLE_SHARE = 0.5


def self_check(report: ParsedReport, source: SourceText) -> tuple[IngestWarning, ...]:
    """Warnings for a person to check: no heading structure, mostly tables, text from OCR."""
    warnings = []
    if not report.structured:
        warnings.append(IngestWarning("flat"))
    if report.body_lines and report.table_lines > TABLE_SHARE * report.body_lines:
        warnings.append(IngestWarning("tables", report.table_lines, report.body_lines))
    if report.ocr_pages:
        total = max(source.pages, default=report.ocr_pages)
        warnings.append(IngestWarning("ocr", report.ocr_pages, total))
    return tuple(warnings)


def analyse_file(path: Path, max_bytes: int, boilerplate: BoilerplateFilter) -> AnalysedReport:
    """Read and analyse one file (raises DocumentError with a one-line reason)."""
    return analyse_report(read_source(path, max_bytes), path.name, boilerplate)


def passage_tokens(path: Iterable[str], normalized: str, phrases: Iterable[str]) -> tuple[str, ...]:
    """Index tokens of a passage: its headings' (cached, they repeat) plus those of its
    normalised text."""
    return tuple(t for heading in path for t in _heading_tokens(heading)) + tuple(
        tokenize_normalized(normalized, phrases)
    )


@lru_cache(maxsize=16384)
def _heading_tokens(heading: str) -> tuple[str, ...]:
    return tuple(tokenize(heading))
