"""The base of every error reportbot raises on purpose; no imports, so every layer may use it."""


class ReportbotError(Exception):
    """Base class of reportbot's own errors: the message is one line a user can act on."""
