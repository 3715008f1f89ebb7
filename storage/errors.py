"""Errors raised by storage."""


class StorageError(Exception):
    """Base class for storage errors."""


class NotFoundError(StorageError):
    """A document or chunk id that does not exist."""
