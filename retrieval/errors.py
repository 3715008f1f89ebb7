"""Errors raised by the search core; each message names the file or input it is about."""

from ..errors import ReportbotError


class RetrievalError(ReportbotError):
    """Base class for errors of the search core."""


class DocumentError(RetrievalError):
    """A file could not be read as a report (format, encoding, size, damage)."""
