"""Errors of the bot layer: a request the service cannot carry out as asked, a bad config."""

from ..errors import ReportbotError


class BotError(ReportbotError):
    """Base class of the bot layer's errors; its message is one line for the user."""


class InvalidRequestError(BotError):
    """The request itself is wrong (an empty or malformed argument)."""
