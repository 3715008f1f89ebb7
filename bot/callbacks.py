"""Button payloads that fit Telegram's 64 bytes, survive a restart and resist tampering.

A payload is an action letter and up to three integers (query-log id, page, chunk or
document id), e.g. ``a:42:1``. Nothing else is needed to rebuild an answer: the query log
holds the question and its result ids. A short HMAC tag (``a:42:1~9f2c01ab``) keeps users
from forging ids to read other people's questions; the key is derived from the bot token,
so buttons keep working after a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import re

MAX_BYTES = 64
_PAYLOAD = re.compile(r"^([a-z])((?::\d{1,12}){0,3})~([0-9a-f]{8})$")


class CallbackCodec:
    """Encode and verify signed button payloads."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"reportbot callback data\0" + secret).digest()

    def encode(self, action: str, *values: int) -> str:
        body = ":".join([action, *(str(v) for v in values)])
        data = f"{body}~{self._tag(body)}"
        if len(data.encode()) > MAX_BYTES or not _PAYLOAD.match(data):
            raise ValueError(f"cannot encode button payload {body!r}")
        return data

    def decode(self, data: str) -> tuple[str, tuple[int, ...]] | None:
        """(action, values) of a payload this bot made, else None."""
        match = _PAYLOAD.match(data)
        if not match:
            return None
        action, numbers, tag = match.groups()
        if not hmac.compare_digest(tag, self._tag(action + numbers)):
            return None
        return action, tuple(int(n) for n in numbers.split(":")[1:])

    def sign_start(self, body: str) -> str:
        """A deep-link start payload (letters, digits, _ and - only) with a tag."""
        return f"{body}_{self._tag('start:' + body)}"

    def verify_start(self, payload: str) -> bool:
        body, _, tag = payload.rpartition("_")
        return bool(body) and hmac.compare_digest(tag, self._tag("start:" + body))

    def _tag(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:8]
