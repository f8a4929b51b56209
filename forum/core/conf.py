"""Every `FORUM_*` setting, declared once: its name, default, type, what it does, and whether an
environment variable of the same name sets it.

Code reads a setting as `conf.FORUM_POST_MAX_CHARS` (after `from forum.core import conf`) or
`conf.get("FORUM_POST_MAX_CHARS")`. The value is read from `django.conf.settings` at call time, so
`override_settings` and pytest-django's `settings` fixture keep working; a settings module that does
not define the setting gets the default declared here. `config/settings/base.py` holds no second
default: it takes every declared setting from `from_environment(os.environ)` (the default, or the
environment's value parsed by the declared type; a value that does not parse stops start-up with
`ImproperlyConfigured` naming the variable).

`docs/configuration.md` carries the table `markdown_table()` makes (`manage.py settings_docs`
rewrites it); `tests/core/test_conf.py` fails when it is out of date, when code names a `FORUM_`
setting not declared here, or reads one with a `getattr` fallback or straight from `settings`.

Imported by the settings module itself: nothing here may touch a model or the settings at import.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings as _django_settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    doc: str
    env: bool = False  # an environment variable of the same name sets it
    # For a dict setting: (entry, environment variable) pairs; a variable that is set replaces that entry.
    env_entries: tuple[tuple[str, str], ...] = ()

    def parse(self, raw: str) -> Any:
        """The environment's text as a value of the declared type."""
        if self.type is bool:
            return raw.strip().lower() in TRUE_WORDS
        if self.type is str:
            return raw
        try:
            return self.type(raw.strip())
        except ValueError:
            raise ImproperlyConfigured(
                f"{self.name} must be {'an integer' if self.type is int else 'a number'}, not {raw!r}."
            ) from None


MiB = 1024 * 1024

SETTINGS: tuple[Setting, ...] = (
    # --- accounts -------------------------------------------------------------------------------
    Setting("FORUM_DISPLAY_NAME_MAX", 60, int, "characters in a display name"),
    Setting("FORUM_BIO_MAX", 500, int, "characters in a bio"),
    # --- organisations ----------------------------------------------------------------------------
    Setting("FORUM_INVITATION_DAYS", 14, int, "days an invitation link stays valid", env=True),
    Setting("FORUM_ALLOW_JOIN_REQUESTS", False, bool,
            "offer the request-to-join form to people without an invitation; an admin approves",
            env=True),
    Setting("FORUM_SITE_URL", "", str,
            "absolute base of links in email and invitations (e.g. `https://forum.example.org`); "
            "empty: the request's host, else https://<first public allowed host>, else "
            "`http://localhost:8000`; also an accepted WebSocket origin", env=True),
    # --- notifications ----------------------------------------------------------------------------
    Setting("FORUM_EMAIL_WORKER", "thread", str,
            "who sends notification email and live events after commit: `thread` (a background "
            "worker in each process; `manage.py send_pending_emails` from cron catches anything "
            "left), `sync` (in the request, for tests), `off` (cron only)", env=True),
    Setting("FORUM_UNSUBSCRIBE_LINK_DAYS", 60, int,
            "days the one-click unsubscribe link of a notification email works", env=True),
    # --- categories -------------------------------------------------------------------------------
    Setting("FORUM_PUBLIC_READING", False, bool, "anonymous visitors may read categories marked public",
            env=True),
    # --- discussions ------------------------------------------------------------------------------
    Setting("FORUM_TITLE_MAX_CHARS", 200, int, "characters in a thread title"),
    Setting("FORUM_POST_MAX_CHARS", 20000, int, "characters in a post", env=True),
    Setting("FORUM_POSTS_PER_PAGE", 50, int, "posts on one thread page"),
    Setting("FORUM_MENTION_SUGGESTIONS_MAX", 8, int, "members the editor suggests after `@` at most"),
    Setting("FORUM_REACTIONS", ("👍", "❤️", "👏", "🤔"), tuple, "reactions offered on posts"),
    Setting("FORUM_CONSULTATION_REACTIONS", ("agree", "disagree"), tuple,
            "reactions added in consultation categories"),
    Setting("FORUM_UNREAD_DAYS", 30, int,
            "a thread counts as unread only if written in the last this many days"),
    Setting("FORUM_VIEW_FLUSH_SECONDS", 60, int,
            "view counts gather in the cache and reach the database at most once per this many seconds "
            "per thread"),
    Setting("FORUM_UPLOAD_MAX_BYTES", 5 * MiB, int, "bytes in one image upload", env=True),
    Setting("FORUM_UPLOAD_MAX_PIXELS", 40_000_000, int,
            "pixels in one image (decompression-bomb guard, read from the header before decoding)"),
    Setting("FORUM_UPLOAD_MAX_PENDING", 30, int, "uploads a member may have waiting for a post"),
    Setting("FORUM_UPLOAD_PENDING_HOURS", 24, int,
            "hours an upload no post shows is kept before `manage.py prune_attachments` deletes it"),
    # --- rate limits (forum.core.ratelimit) -------------------------------------------------------
    Setting("FORUM_RATE_LIMITS",
            {"post": "10/m", "preview": "30/m", "mention": "60/m", "join_request": "20/m",
             "login_failures_per_address": "20/5m,200/d", "live_message": "20/m", "live_question": "5/m",
             "poll_vote": "30/m"},
            dict,
            "every rate our code applies, by name (`count/window`, e.g. `10/m`; several, comma "
            "separated, must all hold), counted by `forum/core/ratelimit.py`: `post`, `preview` and `mention` (suggestions) per "
            "member, `join_request` per IP, `login_failures_per_address` per address, `live_message` and "
            "`live_question` per participant of a live room, `poll_vote` (votes and changed votes in polls) "
            "per member (the entries: below)",
            env_entries=(("post", "FORUM_POST_RATE"), ("preview", "FORUM_PREVIEW_RATE"),
                         ("mention", "FORUM_MENTION_RATE"),
                         ("join_request", "FORUM_JOIN_REQUEST_RATE"),
                         ("login_failures_per_address", "FORUM_LOGIN_FAILURES_PER_ADDRESS"),
                         ("live_message", "FORUM_LIVE_MESSAGE_RATE"),
                         ("live_question", "FORUM_LIVE_QUESTION_RATE"),
                         ("poll_vote", "FORUM_POLL_VOTE_RATE"))),
    # --- rich text (forum.core.textbounds: bounds on the renderer's work per text) ------------------
    Setting("FORUM_MARKDOWN_MAX_LINES", 1000, int, "lines in a post"),
    Setting("FORUM_MARKDOWN_MAX_TABLE_ROWS", 200, int, "lines containing `\\|` in a post"),
    Setting("FORUM_MARKDOWN_MAX_NESTING", 16, int, "quote/list markers opening one line"),
    Setting("FORUM_MARKDOWN_MAX_MARKUP", 3000, int,
            "Markdown punctuation characters (`* _ [ ] ( ) < > \\| \\` ! & \\\\`) in a post"),
    # --- live sessions ----------------------------------------------------------------------------
    Setting("FORUM_LIVE_MESSAGE_MAX_CHARS", 2000, int, "characters in a live-room chat message", env=True),
    Setting("FORUM_LIVE_QUESTION_MAX_CHARS", 500, int, "characters in a live-room question", env=True),
    Setting("FORUM_LIVE_EDIT_MINUTES", 15, int,
            "minutes after sending during which the author may edit a live-room chat message", env=True),
    Setting("FORUM_LIVE_REPLAY_MAX", 500, int,
            "room events a reconnecting socket is sent at most; further behind, it is told to `resync` "
            "(history over HTTP)"),
    Setting("FORUM_LIVE_OFF_RECORD_RETENTION_DAYS", 7, int,
            "days after an off-the-record session closes before its messages and questions are deleted "
            "(job `live.purge_off_the_record`)", env=True),
    Setting("FORUM_LIVE_REMINDER_MINUTES", 30, int,
            "minutes before a live session starts that its audience is sent a reminder (job `live.reminders`)",
            env=True),
    # --- consultations ---------------------------------------------------------------------------
    Setting("FORUM_CONSULTATION_REMINDER_HOURS", 48, int,
            "hours before a consultation's deadline that the representatives of organisations that have not "
            "responded are reminded, once per organisation (job `consultations.reminders`)", env=True),
    # --- operations (forum.core.backup, forum.core.metrics) ----------------------------------------
    Setting("FORUM_BACKUP_DIR", "", str,
            "folder `manage.py backup` and the nightly `core.backup` job write archives to; empty: the job "
            "does nothing", env=True),
    Setting("FORUM_BACKUP_KEY", "", str,
            "32-byte key (URL-safe base64, `manage.py backup --generate-key`) that encrypts the archives; "
            "empty: not encrypted. Keep a copy away from the archives: without it they cannot be read",
            env=True),
    Setting("FORUM_BACKUP_KEEP_DAYS", 30, int, "days archives are kept before the backup removes them "
            "(0 keeps all; `docs/data-rights.md` promises 30)", env=True),
    Setting("FORUM_METRICS_TOKEN", "", str,
            "bearer token that opens `/metrics` from anywhere; empty: only the addresses below", env=True),
    Setting("FORUM_METRICS_ALLOWED_IPS", "127.0.0.1,::1", str,
            "comma-separated addresses or networks (`10.0.0.0/8`) that may read `/metrics` without the token",
            env=True),
    Setting("FORUM_LOG_FORMAT", "", str,
            "`json`: one JSON object per log line (with the request id); `text`: plain lines; empty: JSON "
            "when DEBUG is off", env=True),
    # --- transport --------------------------------------------------------------------------------
    Setting("FORUM_MAX_URL_CHARS", 8192, int,
            "longer addresses get the translated 414 page; daphne (`python -m forum.core.server`) and "
            "nginx answer 414 above 16 KB"),
    Setting("FORUM_WS_FRAMES_PER_SECOND", 5.0, float, "frames one socket may send per second (steady rate)"),
    Setting("FORUM_WS_FRAME_BURST", 20, int,
            "frames one socket may send at once; past it `rate_limited`, past another burst close 4429"),
    Setting("FORUM_WS_SEND_BUFFER_MAX_BYTES", 1 * MiB, int,
            "bytes the server may hold for one WebSocket client that does not read; past it the "
            "connection is dropped (the client reconnects and resumes by `seq`)", env=True),
    Setting("FORUM_WS_DB_THREADS", -1, int,
            "worker threads per server process for the database work of live-room sockets (access "
            "checks, replays, writes; each room's writes stay in order); 0: channels' single thread; "
            "-1: 4 on PostgreSQL, 0 on SQLite (one writer at a time)", env=True),
    # --- moderation -------------------------------------------------------------------------------
    Setting("FORUM_MODERATION_AUTO_HIDE_FLAGGERS", 3, int,
            "an item flagged by this many different people is hidden pending review (0: never)", env=True),
    Setting("FORUM_MODERATION_HIDE_ENDANGERING", True, bool,
            "one flag saying an item endangers someone hides it at once, pending review", env=True),
    Setting("FORUM_MODERATION_CONFLICT_OF_INTEREST", True, bool,
            "moderators may not act on content by members of their own organisation", env=True),
    Setting("FORUM_MODERATION_CLAIM_MINUTES", 30, int,
            "minutes a moderator's claim on a queue item keeps other moderators from acting on it"),
    Setting("FORUM_MODERATION_QUEUE_PAGE", 50, int, "items on one page of the review queue"),
    Setting("FORUM_MODERATION_NEW_MEMBER_POSTS", 2, int,
            "a member's first this many posts wait for a moderator's approval (0: off)", env=True),
    Setting("FORUM_MODERATION_WATCHED_PATTERN_MAX_CHARS", 200, int,
            "the longest word or pattern an administrator may add to the watched words"),
    # --- search -----------------------------------------------------------------------------------
    Setting("FORUM_SEARCH_QUERY_MAX_CHARS", 200, int, "longer queries are cut, with a notice"),
    Setting("FORUM_SEARCH_QUERY_MAX_TERMS", 12, int, "further words of a query are ignored"),
    Setting("FORUM_SEARCH_RESULTS_PER_PAGE", 20, int, "search results on one page"),
)

DECLARED: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
# Environment variables that set one entry of a dict setting (FORUM_POST_RATE → FORUM_RATE_LIMITS["post"]):
# names of variables, not settings.
ENTRY_VARIABLES: dict[str, tuple[str, str]] = {
    variable: (setting.name, entry) for setting in SETTINGS for entry, variable in setting.env_entries}


def get(name: str) -> Any:
    """The current value of a declared setting (KeyError for an undeclared name: a typo fails loudly)."""
    declared = DECLARED[name]
    return getattr(_django_settings, name, declared.default)


def __getattr__(name: str) -> Any:
    if name in DECLARED:
        return get(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every declared setting for the settings module: the environment's value where the setting
    reads one and the variable is set (and not empty), else the declared default. A dict setting is a
    fresh copy of its default with each entry whose variable is set replaced by that variable's text."""
    values = {}
    for setting in SETTINGS:
        if setting.env_entries:
            value = dict(setting.default)
            for entry, variable in setting.env_entries:
                if environ.get(variable, "") != "":
                    value[entry] = environ[variable]
            values[setting.name] = value
            continue
        raw = environ.get(setting.name, "") if setting.env else ""
        values[setting.name] = setting.parse(raw) if raw != "" else setting.default
    return values


def _has_type(value: Any, declared: Setting) -> bool:
    if declared.type is dict:
        return isinstance(value, dict) and all(
            isinstance(key, str) and isinstance(item, str) for key, item in value.items())
    if declared.type is tuple:
        return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)
    if declared.type is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if declared.type is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, declared.type)


def check_types(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check (`manage.py check`, start-up): each FORUM_ setting has its declared type, so a
    settings module that writes `FORUM_POSTS_PER_PAGE = "50"` is told so before a page breaks."""
    errors = []
    for declared in SETTINGS:
        value = get(declared.name)
        if not _has_type(value, declared):
            errors.append(checks.Error(
                f"{declared.name} is {value!r}; it must be a {declared.type.__name__} "
                f"(see docs/configuration.md).", id="core.E001"))
    return errors


def _show_default(setting: Setting) -> str:
    value = setting.default
    if setting.type is bool:
        return "on" if value else "off"
    if setting.type is tuple:
        return " ".join(f"`{item}`" for item in value)
    if setting.type is dict:
        return ", ".join(f"`{key}`: `{item}`" for key, item in value.items())
    if setting.type is str:
        return f"`{value}`" if value else "(empty)"
    if setting.type is float and float(value).is_integer():
        return str(int(value))
    if setting.type is int and value >= MiB and value % MiB == 0:
        return f"{value} ({value // MiB} MiB)"
    return str(value)


TABLE_START = "<!-- forum-settings: generated from forum/core/conf.py by `manage.py settings_docs`; do not edit -->"
TABLE_END = "<!-- /forum-settings -->"


def _show_environment(setting: Setting) -> str:
    if setting.env_entries:
        return ", ".join(f"`{entry}`: `{variable}`" for entry, variable in setting.env_entries)
    return "yes" if setting.env else ""


def markdown_table() -> str:
    """The table of every declared setting, as docs/configuration.md carries it (markers included)."""
    rows = [TABLE_START, "| setting | default | environment | |", "|---|---|---|---|"]
    for setting in SETTINGS:
        rows.append(f"| `{setting.name}` | {_show_default(setting)} | {_show_environment(setting)} "
                    f"| {setting.doc} |")
    rows.append(TABLE_END)
    return "\n".join(rows)


def with_table(document: str) -> str:
    """`document` with the text between the markers replaced by the current table."""
    start, end = document.index(TABLE_START), document.index(TABLE_END) + len(TABLE_END)
    return document[:start] + markdown_table() + document[end:]
