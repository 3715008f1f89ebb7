"""Errors raised by the search core; each message names the file or input it is about."""


class RetrievalError(Exception):
    """Base class for errors of the search core."""


class DocumentError(RetrievalError):
    """A file could not be read as a report (format, encoding, size, damage)."""
