"""Errors of the bot layer: a request the service cannot carry out as asked."""


class BotError(Exception):
    """Base class of the bot layer's errors; its message is one line for the user."""


class InvalidRequestError(BotError):
    """The request itself is wrong (an empty or malformed argument)."""
