"""The conversation core: chat events in, reply objects out, for every front end.

It knows nothing about Telegram. Adapters turn updates into `Event`s, run `handle` in a
worker thread (it blocks on SQLite and the search index) and turn the `Reply`, `Notice`
and `Article` objects it returns into messages. Access control and rate limiting happen
here, once, for every path an event can take.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PureWindowsPath

from ..retrieval.formats import SUPPORTED_SUFFIXES
from . import callbacks
from .access import Access, DenialBudget, RateLimiter
from .callbacks import CallbackCodec
from .config import Settings
from .errors import InvalidRequestError
from .memory_chat import MemoryChat
from .render import escape, split_markup, to_plain
from .replies import Button, InlineButton, Notice, Output, Reply
from .service import MAX_QUERY_CHARS, NotFoundError, ReportService
from .views import Views

GROUP_TYPES = frozenset({"group", "supergroup"})
MENU = (
    "start", "help", "ask", "wording", "problems", "plans", "compare", "draft", "docs", "doc", "all",
)  # fmt: skip
ADMIN_COMMANDS = frozenset({"delete", "stats", "unanswered", "synonym", "feedback"})
REMOVE_WORDS = frozenset({"删除", "remove", "del", "-"})
UNANSWERED_SHOWN = 15
COMMAND = re.compile(r"^/(提法|[A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+|$)(.*)$", re.S)
START_SECTION = re.compile(r"^s([0-9]{1,12})(?:_g([0-9]{1,16})_[0-9a-f]{8})?$")
DOC_ID = re.compile(r"[0-9]{1,12}")
INCOMING = ".incoming"  # uploads being downloaded and ingested, one folder each
UNSAFE_NAME = re.compile(r"[^\w.\-()（）]+")
MARKS = frozenset("/#")  # a command's / and the terminal's #N; phone keyboards type ／ and ＃
SMALL_TALK = {  # messages of just these words are not questions about the reports
    "greeting": frozenset({
        "你好", "您好", "你好啊", "你好呀", "您好啊", "大家好", "在吗", "在么", "在不在", "哈喽",
        "哈罗", "嗨", "早上好", "早安", "上午好", "下午好", "晚上好", "hi", "hello", "hey",
    }),
    "thanks": frozenset({
        "谢谢", "谢谢你", "谢谢您", "谢谢啦", "谢啦", "谢了", "多谢", "多谢了", "感谢", "非常感谢",
        "thanks", "thankyou", "thx",
    }),
}  # fmt: skip


@dataclass(frozen=True)
class Upload:
    """A file sent to the bot, as the sender's client described it."""

    file_name: str
    size: int | None
    path: Path | None = None  # where the adapter saved it, once `upload_target` accepted it
    too_big: bool = False  # the download passed the size limit (the size was not known)


@dataclass(frozen=True)
class Event:
    """One thing a user did: a message, an edit, a button press, an inline query or the
    inline result they posted (`chosen_inline`: its query)."""

    user_id: int
    chat_id: int | None
    chat_type: str = "private"
    text: str | None = None
    callback_data: str | None = None
    inline_query: str | None = None
    chosen_inline: str | None = None
    document: Upload | None = None
    is_reply_to_bot: bool = False
    bot_username: str = ""
    edited: bool = False
    event_id: int | None = None  # the adapter's id for it; a retried event keeps it
    user_name: str = ""  # who votes, where the adapter knows a name (the terminal's login)

    @property
    def in_group(self) -> bool:
        return self.chat_type in GROUP_TYPES


@dataclass(frozen=True)
class Refusal:
    """Why an event gets no answer from the reports; `loud` if the user should be told."""

    text: str
    title_key: str
    loud: bool = True


def typed_mark(text: str) -> str:
    """The text with a full-width leading ／ or ＃ read as / or # (NFKC of that character
    only): the rest, a question's wording included, stays as typed."""
    stripped = text.lstrip()
    mark = unicodedata.normalize("NFKC", stripped[:1])
    return mark + stripped[1:] if mark in MARKS and mark != stripped[:1] else text


def small_talk(text: str) -> str | None:
    """The kind of small talk (greeting, thanks) the whole message is, punctuation and emoji
    around it aside, else None: a question that contains 你好 is still a question."""
    word = "".join(c for c in text.lower() if unicodedata.category(c)[0] in "LN")
    return next((kind for kind, words in SMALL_TALK.items() if word in words), None)


def safe_file_name(name: str) -> str:
    """The last path component, with unsafe characters replaced: ../../x.txt → x.txt."""
    base = UNSAFE_NAME.sub("_", PureWindowsPath(name).name).lstrip(".")[-120:]
    return base or "upload"


class Conversation:
    """Answers events about the reports in one database with replies any adapter can show."""

    def __init__(
        self,
        service: ReportService,
        settings: Settings,
        *,
        secret: bytes,
        access: Access | None = None,
        limiter: RateLimiter | None = None,
        denials: DenialBudget | None = None,
        source: str = "telegram",
    ) -> None:
        self.service = service
        self.settings = settings
        self.access = access or Access.from_settings(settings.access)
        self.limiter = limiter or RateLimiter(settings.bot.rate_limit_per_minute)
        self.denials = denials or DenialBudget()
        self.source = source
        self.codec = CallbackCodec(secret)
        self.views = Views(
            settings.bot.language,
            self.codec,
            settings.bot.results_per_page,
            settings.bot.timezone,
        )
        self.upload_dir = (
            Path(settings.ingest.upload_dir).expanduser()
            if settings.ingest.upload_dir
            else service.path.parent / "uploads"
        )
        self.scopes: dict[int | None, int] = {}  # chat → the report its questions search
        self._commands: dict[str, Callable[[Event, str], list[Output]]] = {
            "start": self._start,
            "help": self._help,
            "ask": self._ask,
            "docs": self._docs,
            "wording": functools.partial(self._topic, "usage_wording", None, True),
            "提法": functools.partial(self._topic, "usage_wording", None, True),
            "problems": functools.partial(self._topic, "usage_problems", "problem", False),
            "plans": functools.partial(self._topic, "usage_plans", "plan", False),
            "doc": self._doc,
            "all": self._all,
            "delete": self._delete,
            "stats": self._stats,
            "unanswered": self._unanswered,
            "synonym": self._synonym,
            "feedback": self._feedback,
        }
        self._buttons: dict[str, tuple[int, Callable[..., list[Output]]]] = {
            callbacks.ANSWER: (2, functools.partial(self._page, False)),
            callbacks.WORDING: (2, functools.partial(self._page, True)),
            callbacks.SECTION: (1, self._open_section),
            callbacks.SECTION_PAGE: (2, self._section_page),
            callbacks.GROUP_SECTION_PAGE: (3, self._group_section_page),
            callbacks.VOTE: (2, self._vote),
            callbacks.PASSAGE_VOTE: (3, self._passage_vote),
            callbacks.OUTLINE: (2, self._outline_page),
            callbacks.DOCS: (1, self._docs_page),
            callbacks.DELETE: (1, self._confirm_delete),
            callbacks.CANCEL: (0, self._cancel),
            callbacks.UNANSWERED: (1, self._unanswered_page),
            callbacks.UNSCOPE: (1, self._unscope),
            callbacks.SCOPE_TO: (1, self._scope_to),
            callbacks.END_SCOPE: (0, self._end_scope),
        }
        self.memory = MemoryChat(service, self.views)
        self._commands.update(self.memory.commands())
        self._commands["draft"] = functools.partial(self._topic, "usage_draft", None, True)
        self._buttons.update(self.memory.buttons())

    def commands(self) -> list[tuple[str, str]]:
        """Public commands with descriptions, for the client's command menu."""
        return [(name, self.views.text(f"cmd_{name}")) for name in MENU]

    def handle(self, event: Event) -> list[Output]:
        """Answer one event; blocks on the database, so adapters run it in a thread."""
        if event.text:
            event = replace(event, text=typed_mark(event.text))
        if event.inline_query is not None:
            return self._inline(event)
        if event.chosen_inline is not None:
            return self._chosen(event)
        if event.callback_data is not None:
            return self._press(event)
        if not self._addressed(event):
            return []
        refusal = self._refusal(event)
        if refusal:
            return [Reply(refusal.text, quote=event.in_group)] if refusal.loud else []
        if event.edited:
            return [self._say(event, "edited")]
        if event.document is not None:
            return self._upload(event)
        if event.text is None:
            return [self._say(event, "unsupported")]
        return self._text(event)

    def no_button(self, label: str) -> list[Output]:
        """What pressing a button that is not there by its label (the terminal's #N) gets."""
        return [Reply(self.views.text("no_button", label=escape(label)))]

    def would_answer(self, event: Event) -> bool:
        """Whether this event is for the bot and from someone allowed (no side effects)."""
        if event.inline_query is not None or event.callback_data is not None:
            return self.access.allows(event.user_id, event.chat_id)
        return self._addressed(event) and self.access.allows(event.user_id, event.chat_id)

    def upload_target(self, event: Event) -> Path | None:
        """Where the adapter should save an upload, or None if it will be refused unread."""
        if (
            event.document is None
            or event.edited
            or not self._addressed(event)
            or not self.access.allows(event.user_id, event.chat_id)
            or self._upload_problem(event, event.document)
        ):
            return None
        return (
            self.upload_dir / INCOMING / uuid.uuid4().hex / safe_file_name(event.document.file_name)
        )

    def digest(self) -> list[Reply]:
        """The week's figures and unanswered questions for the admins' chat, if configured."""
        chat = self.settings.bot.digest_chat
        if chat is None:
            return []
        text = "\n\n".join(
            [
                self.views.text("digest_header"),
                self.views.stats(self.service.stats()),
                self.views.unanswered(self.service.unanswered(UNANSWERED_SHOWN)),
            ]
        )
        return [Reply(piece, chat_id=chat) for piece in split_markup(text)]

    # gates -------------------------------------------------------------------------------

    def _addressed(self, event: Event) -> bool:
        """Private chats always; groups only for commands to us, mentions and replies to us."""
        if not event.in_group:
            return event.chat_type == "private"
        if event.document is not None and self.access.is_admin(event.user_id):
            return True  # an admin's file: say why it is not read here
        text = event.text or ""
        command = COMMAND.match(text)
        if command:
            return command[2] is None or command[2].lower() == event.bot_username.lower()
        mention = bool(event.bot_username) and f"@{event.bot_username.lower()}" in text.lower()
        return event.is_reply_to_bot or mention

    def _refusal(self, event: Event, via_group: bool = False) -> Refusal | None:
        """Deny users the lists leave out (telling each once a day, within a small budget
        for all of them), throttle anyone past the rate limit, telling them once.
        `via_group`: a continuation, in private, of something an allowed group was shown."""
        if not (
            via_group
            or self.access.allows(event.user_id, event.chat_id)
            or self._group_continuation(event)
        ):
            return Refusal(
                self.views.text("denied", user_id=event.user_id),
                "denied_title",
                loud=self.denials.admit(event.user_id),
            )
        throttled = self.limiter.admit(event.user_id)
        if throttled:
            return Refusal(
                self.views.text("rate_limited", seconds=throttled.wait_seconds),
                "rate_limited_title",
                loud=throttled.first,
            )
        return None

    def sign_start(self, payload: str, chat_id: int) -> str:
        """A deep link posted in a group, signed for that group: whoever taps it may read
        that section in private while the group is allowed, list or no list."""
        if not START_SECTION.match(payload) or chat_id >= 0:
            return payload
        return self.codec.sign_start(f"{payload}_g{-chat_id}")

    def _group_continuation(self, event: Event) -> bool:
        """A private /start with a section link signed for a group that is still allowed."""
        command = COMMAND.match(event.text or "") if not event.in_group else None
        if command is None or command[1].lower() != "start":
            return False
        payload = command[3].strip()
        match = START_SECTION.match(payload)
        return bool(
            match
            and match[2]
            and self.codec.verify_start(payload)
            and -int(match[2]) in self.access.chats
        )

    def _say(self, event: Event, key: str, **values: object) -> Reply:
        return Reply(self.views.text(key, **values), quote=event.in_group)

    # messages ----------------------------------------------------------------------------

    def _text(self, event: Event) -> list[Output]:
        """Run a command, or answer the text as a question."""
        text = (event.text or "").strip()
        if event.bot_username:
            text = re.sub(f"@{re.escape(event.bot_username)}", " ", text, flags=re.I).strip()
        command = COMMAND.match(text)
        if command is None and text.startswith("/") and text[1:2].strip():
            return [self._say(event, "unknown_command", command=escape(text.split()[0]))]
        if command is None:
            return self._ask(event, text)
        name = command[1].lower()
        handler = self._commands.get(name)
        if handler is None:
            return [self._say(event, "unknown_command", command=escape("/" + command[1]))]
        if name in ADMIN_COMMANDS and not self.access.is_admin(event.user_id):
            return [self._say(event, "admin_only")]
        return handler(event, command[3].strip())

    def _ask(
        self,
        event: Event,
        question: str,
        kind: str | None = None,
        wording: bool = False,
        words: bool = True,
        edit: bool = False,
    ) -> list[Output]:
        """Search (within the chat's report, and the filters the question names, unless not
        `words`) and show the first page; empty and over-long questions get a hint."""
        question = " ".join(question.split())
        if not question:
            return [self._say(event, "empty_question")]
        talk = small_talk(question) if kind is None and not wording else None
        if talk:  # 你好 alone, not /wording 你好
            return [self._say(event, talk)]
        if len(question) > MAX_QUERY_CHARS:
            return [self._say(event, "too_long", length=len(question), limit=MAX_QUERY_CHARS)]
        response = self.service.search(
            question,
            self.settings.search.results,
            doc_id=self.scopes.get(event.chat_id) if words else None,
            kind=kind,
            source=self.source,
            user_id=event.user_id,
            chat_id=event.chat_id,
            request_id=event.event_id,
            wording=wording,
            words=words,
        )
        return [
            self.views.results(
                wording,
                question,
                response.hits,
                response.query_log_id,
                kind=kind,
                from_samples=response.from_samples,
                tier=response.tier,
                group=event.in_group,
                edit=edit,
                scope=response.scope,
            ),
            *self.memory.figures(question),
        ]

    def _topic(
        self, usage: str, kind: str | None, wording: bool, event: Event, topic: str
    ) -> list[Output]:
        """/wording, /problems and /plans: a search that needs a topic."""
        if not topic.strip():
            return [self._say(event, "usage", usage=self.views.text(usage))]
        return self._ask(event, topic, kind, wording)

    def _start(self, event: Event, argument: str) -> list[Output]:
        """Help, or the section a group's deep link points to."""
        section = START_SECTION.match(argument)
        if section and not event.in_group:
            group = int(section[2]) if section[2] and self.codec.verify_start(argument) else None
            try:
                return self._open_section(event, int(section[1]), group)
            except NotFoundError:
                return [self._say(event, "gone")]
        return self._help(event, argument)

    def _help(self, event: Event, argument: str) -> list[Output]:
        text = self.views.text("help", bot=escape(event.bot_username or "bot"))
        text += self.views.text("help_memory")
        if self.access.is_admin(event.user_id):
            text += self.views.text("help_admin")
        inline = Button(self.views.text("btn_inline"), switch_inline="")
        return [Reply(text, ((inline,),), quote=event.in_group)]

    def _docs(self, event: Event, argument: str) -> list[Output]:
        """The reports, newest first; `/docs 述职` only those whose title has the word (on one
        page: page buttons carry no filter)."""
        if argument:
            found = self.service.documents(argument)
            if not found and self.service.documents():
                return [self._say(event, "docs_none_titled", word=escape(argument))]
            return [self.views.documents(found, 0, pager=False)]
        return [self.views.documents(self.service.documents(), 0)]

    def _doc(self, event: Event, argument: str) -> list[Output]:
        if not DOC_ID.fullmatch(argument):
            return [self._say(event, "usage", usage=self.views.text("usage_doc"))]
        try:
            info, firsts = self.service.outline(int(argument))
        except NotFoundError:
            return [self._say(event, "no_such_doc", doc_id=int(argument))]
        return [self.views.outline(info, firsts, 0, group=event.in_group)]

    def _all(self, event: Event, argument: str) -> list[Output]:
        """/all: the next questions search every report again."""
        self.scopes.pop(event.chat_id, None)
        return [self._say(event, "unscoped")]

    def _delete(self, event: Event, argument: str) -> list[Output]:
        """Ask an admin to confirm; deleting happens on the button press."""
        if not DOC_ID.fullmatch(argument):
            return [self._say(event, "usage", usage=self.views.text("usage_delete"))]
        try:
            info = self.service.document(int(argument))
        except NotFoundError:
            return [self._say(event, "no_such_doc", doc_id=int(argument))]
        if info.sample:
            return [self._say(event, "sample_read_only", doc_id=info.doc_id)]
        return [self.views.delete_confirm(info)]

    def _stats(self, event: Event, argument: str) -> list[Output]:
        return [Reply(self.views.stats(self.service.stats()))]

    def _unanswered(self, event: Event, argument: str) -> list[Output]:
        return self._unanswered_page(event, 0)

    def _unanswered_page(self, event: Event, page: int) -> list[Output]:
        """A page of /unanswered; the "more" button under it shows the next one."""
        if not self.access.is_admin(event.user_id):
            return [Notice(self.views.text("admin_only"), alert=True)]
        rows = self.service.unanswered(UNANSWERED_SHOWN + 1, page * UNANSWERED_SHOWN)
        shown = rows[:UNANSWERED_SHOWN]
        replies = [Reply(p) for p in split_markup(self.views.unanswered(shown, page == 0))]
        if len(rows) > len(shown):
            more = ((self.views.more_unanswered(page + 1),),)
            replies[-1] = replace(replies[-1], buttons=more)
        return replies

    def _feedback(self, event: Event, argument: str) -> list[Output]:
        """The latest passage votes and what they moved (admins only)."""
        text = self.views.vote_effects(self.service.vote_effects(UNANSWERED_SHOWN))
        return [Reply(piece) for piece in split_markup(text)]

    def _synonym(self, event: Event, argument: str) -> list[Output]:
        """Add, remove or list the team's synonym pairs (admins only)."""
        words = argument.split()
        if not words:
            pairs = self.service.synonyms()
            if not pairs:
                return [self._say(event, "synonyms_empty")]
            listed = "\n".join(f"{escape(w)} = {escape(s)}" for w, s in pairs)
            return [
                Reply(piece)
                for piece in split_markup(self.views.text("synonyms_list", pairs=listed))
            ]
        if words[0].lower() in REMOVE_WORDS and len(words) in (2, 3):
            count = self.service.remove_synonym(*words[1:])
            if not count:
                return [self._say(event, "synonym_none", word=escape(" ".join(words[1:])))]
            return [self._say(event, "synonym_removed", count=count)]
        if len(words) != 2:
            return [self._say(event, "usage", usage=self.views.text("usage_synonym"))]
        try:
            added = self.service.add_synonym(*words, added_by=str(event.user_id))
        except InvalidRequestError:
            return [self._say(event, "usage", usage=self.views.text("usage_synonym"))]
        return [
            self._say(
                event,
                "synonym_added" if added else "synonym_exists",
                word=escape(words[0]),
                synonym=escape(words[1]),
            )
        ]

    # uploads -----------------------------------------------------------------------------

    def _upload_problem(self, event: Event, document: Upload) -> str | None:
        """Why an upload is refused before reading it: chat, sender, file type or size."""
        name = safe_file_name(document.file_name)
        limit = self.settings.bot.max_upload_bytes
        if event.chat_type != "private":
            return self.views.text("upload_private")
        if not self.access.is_admin(event.user_id):
            return self.views.text("admin_only")
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            return self.views.text("upload_type", name=escape(name))
        if document.size is not None and document.size > limit:
            return self.views.text(
                "upload_too_big",
                size=round(document.size / 2**20, 1),
                limit=round(limit / 2**20, 1),
            )
        if document.too_big:
            return self.views.text("upload_over_limit", limit=round(limit / 2**20, 1))
        return None

    def _upload(self, event: Event) -> list[Output]:
        """Ingest a file an admin sent and show its title and outline, or why it failed."""
        document = event.document
        problem = self._upload_problem(event, document) if document else None
        if problem or document is None or document.path is None:
            return [Reply(problem or self.views.text("error"), quote=event.in_group)]
        name = safe_file_name(document.file_name)
        result = self.service.ingest_upload(
            document.path,
            self.upload_dir / str(event.chat_id) / name,
            legacy=self.upload_dir / name,
            seconds=self.settings.ingest.upload_seconds,
        )
        firsts = self.service.outline(result.doc_id)[1] if result.doc_id is not None else []
        return list(self.views.ingested(result, firsts))

    # buttons -----------------------------------------------------------------------------

    def _press(self, event: Event) -> list[Output]:
        """Answer a button: check who pressed it and its signature, then act on it."""
        decoded = self.codec.decode(event.callback_data or "")
        via_group = bool(
            decoded
            and decoded[0] == callbacks.GROUP_SECTION_PAGE
            and len(decoded[1]) == 3
            and -decoded[1][1] in self.access.chats
        )
        refusal = self._refusal(event, via_group)
        if refusal:
            return [Notice(refusal.text, alert=True)]
        known = self._buttons.get(decoded[0]) if decoded else None
        if decoded is None or known is None or len(decoded[1]) != known[0]:
            return [Notice(self.views.text("expired"), alert=True)]
        try:
            return known[1](event, *decoded[1])
        except NotFoundError:
            return [Notice(self.views.text("gone"), alert=True)]

    def _page(self, wording: bool, event: Event, log_id: int, page: int) -> list[Output]:
        """A page of a logged answer, selected again as it was: buttons work after a restart."""
        response = self.service.page(log_id, self.settings.search.results)
        if not response.hits:
            raise NotFoundError(f"all passages of logged query {log_id} are gone")
        return [
            self.views.results(
                wording,
                response.query,
                response.hits,
                log_id,
                page=page,
                kind=response.filters.get("kind"),
                group=event.in_group,
                from_samples=response.from_samples,
                tier=response.tier,
                edit=True,
                scope=response.scope,
            )
        ]

    def _open_section(self, event: Event, chunk_id: int, group: int | None = None) -> list[Output]:
        return [self.views.section(self.service.section(chunk_id), group=group)]

    def _section_page(self, event: Event, chunk_id: int, page: int) -> list[Output]:
        return [self.views.section(self.service.section(chunk_id), page, edit=True)]

    def _group_section_page(
        self, event: Event, chunk_id: int, group: int, page: int
    ) -> list[Output]:
        """A page of a section opened through a group's signed link (see sign_start)."""
        return [self.views.section(self.service.section(chunk_id), page, edit=True, group=group)]

    def _vote(self, event: Event, log_id: int, up: int) -> list[Output]:
        self.service.feedback(log_id, event.user_id, 1 if up else -1)
        return [Notice(self.views.text("vote_up" if up else "vote_down"))]

    def _passage_vote(self, event: Event, log_id: int, chunk_id: int, up: int) -> list[Output]:
        """👍/👎 under one passage: it teaches the ranking for this and similar questions."""
        self.service.vote_passage(
            None,
            chunk_id,
            bool(up),
            voter=event.user_name or str(event.user_id),
            source=self.source,
            query_log_id=log_id,
        )
        return [Notice(self.views.text("passage_up" if up else "passage_down"))]

    def _unscope(self, event: Event, log_id: int) -> list[Output]:
        """Ask a logged question again over every report, without the filters it named."""
        self.scopes.pop(event.chat_id, None)
        question, filters = self.service.logged_question(log_id)
        wording = bool(filters.get("wording"))
        return self._ask(event, question, filters.get("kind"), wording, words=False, edit=True)

    def _scope_to(self, event: Event, doc_id: int) -> list[Output]:
        """「在这份报告里搜」: the chat's next questions search this report only."""
        info = self.service.document(doc_id)
        self.scopes[event.chat_id] = doc_id
        return [self.views.scoped(info)]

    def _end_scope(self, event: Event) -> list[Output]:
        self.scopes.pop(event.chat_id, None)
        return [Reply(self.views.text("unscoped"), edit=True)]

    def _outline_page(self, event: Event, doc_id: int, page: int) -> list[Output]:
        info, firsts = self.service.outline(doc_id)
        return [self.views.outline(info, firsts, page, group=event.in_group, edit=True)]

    def _docs_page(self, event: Event, page: int) -> list[Output]:
        return [self.views.documents(self.service.documents(), page, edit=True)]

    def _confirm_delete(self, event: Event, doc_id: int) -> list[Output]:
        if not self.access.is_admin(event.user_id):
            return [Notice(self.views.text("admin_only"), alert=True)]
        info = self.service.delete(doc_id)
        return [
            Reply(
                self.views.text("deleted", doc_id=info.doc_id, title=escape(info.title)), edit=True
            )
        ]

    def _cancel(self, event: Event) -> list[Output]:
        """Cancel an admin's dialog: only an admin may, as for every admin button."""
        if not self.access.is_admin(event.user_id):
            return [Notice(self.views.text("admin_only"), alert=True)]
        return [Reply(self.views.text("cancelled"), edit=True)]

    # inline mode -------------------------------------------------------------------------

    def _inline(self, event: Event) -> list[Output]:
        """Passages to insert in any chat; a refusal is one article without report text."""
        query = " ".join((event.inline_query or "").split())
        allowed = self.access.allows(event.user_id, None)
        if allowed and (not query or len(query) > MAX_QUERY_CHARS):
            return []
        refusal = self._refusal(event)
        if refusal:  # nothing the user could tap and post into a chat by mistake
            start = "access" if refusal.title_key == "denied_title" else "help"
            return [InlineButton(to_plain(self.views.text(refusal.title_key)), start)]
        response = self.service.answer(query, self.settings.search.results)
        return list(self.views.articles(response.hits))

    def _chosen(self, event: Event) -> list[Output]:
        """Log an inline question once, when its result is posted: inline queries arrive
        at every keystroke, and logging each would count 作, 作风, 作风建 … as questions."""
        query = " ".join((event.chosen_inline or "").split())
        if query and len(query) <= MAX_QUERY_CHARS and self.access.allows(event.user_id, None):
            self.service.search(
                query,
                self.settings.search.results,
                source=self.source,
                user_id=event.user_id,
                request_id=event.event_id,
            )
        return []
