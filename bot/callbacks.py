"""Button payloads that fit Telegram's 64 bytes, survive a restart and resist tampering.

A payload is an action name and up to three integers (query-log id, page, chunk or
document id), e.g. ``answer:42:1``. Nothing else is needed to rebuild an answer: the query
log holds the question and its result ids. A short HMAC tag (``answer:42:1~9f2c01ab``)
keeps users from forging ids to read other people's questions; the key is derived from the
bot token, so buttons keep working after a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import re

MAX_BYTES = 64
_PAYLOAD = re.compile(r"^([a-z]{1,9})((?::\d{1,12}){0,3})~([0-9a-f]{8})$")

# Button actions (the longest payload, three 12-digit ids, stays within MAX_BYTES)
ANSWER = "answer"  # log id, page
WORDING = "wording"  # log id, page
SECTION = "section"  # chunk id
SECTION_PAGE = "secpage"  # first chunk id, page
GROUP_SECTION_PAGE = "grouppage"  # first chunk id, group id (negated), page
VOTE = "vote"  # log id, 1 up / 0 down
PASSAGE_VOTE = "passvote"  # log id, chunk id, 1 up / 0 down
OUTLINE = "outline"  # doc id, page
DOCS = "docs"  # page
DELETE = "delete"  # doc id
CANCEL = "cancel"
UNANSWERED = "more"  # page of /unanswered
UNSCOPE = "unscope"  # log id: ask again without the filters the question named
SCOPE_TO = "scope"  # doc id: search only this report from now on
END_SCOPE = "endscope"
PICK = "pick"  # chunk id: keep a passage for a draft
DRAFT = "draft"  # log id: a .docx draft of the picked passages
REUSE = "reuse"  # doc id: passages of this report worth reusing
# single letters of buttons sent before the actions had names: they keep working
LEGACY = {
    "a": ANSWER,
    "w": WORDING,
    "s": SECTION,
    "p": SECTION_PAGE,
    "q": GROUP_SECTION_PAGE,
    "v": VOTE,
    "d": OUTLINE,
    "l": DOCS,
    "x": DELETE,
    "c": CANCEL,
    "f": PASSAGE_VOTE,
    "u": UNSCOPE,
    "z": SCOPE_TO,
    "y": END_SCOPE,
    "k": PICK,
    "g": DRAFT,
    "r": REUSE,
}


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
        return LEGACY.get(action, action), tuple(int(n) for n in numbers.split(":")[1:])

    def sign_start(self, body: str) -> str:
        """A deep-link start payload (letters, digits, _ and - only) with a tag."""
        return f"{body}_{self._tag('start:' + body)}"

    def verify_start(self, payload: str) -> bool:
        body, _, tag = payload.rpartition("_")
        return bool(body) and hmac.compare_digest(tag, self._tag("start:" + body))

    def _tag(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:8]
