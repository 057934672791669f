"""What the host accepts from a trader for a hosted strategy: names, ids, scripts and settings.

Every check raises ``InvalidInput`` (or ``PayloadTooLarge``) with a message meant for the trader
and the name of the offending field, before anything is changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.calendar.exchanges import STRATEGY_EXCHANGES
from services.errors import InvalidInput, NotFound, PayloadTooLarge

NAME_MAX = 100
#: Ids are made by the server: a slug of the name and random hex. Anything else is unknown.
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
STOP_SIGNALS = ("SIGTERM", "SIGINT")
MEMORY_LIMIT_RANGE = (16, 1_048_576)  # MB


def check_id(strategy_id: str) -> str:
    """A well-formed strategy id (a malformed one cannot name any strategy: 404)."""
    if not _ID_PATTERN.fullmatch(strategy_id):
        raise NotFound("There is no such strategy.")
    return strategy_id


def clean_name(raw: object) -> str:
    """The trimmed display name: 1–100 printable characters."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("Give the strategy a name.", fields={"name": "A name is required."})
    name = raw.strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(
            f"The name is too long ({len(name)} characters).",
            fields={"name": f"At most {NAME_MAX} characters."},
        )
    hidden = _hidden_character(name)
    if hidden:
        raise InvalidInput(
            f"The name contains an invisible or control character ({hidden}).",
            fields={"name": f"Use printable characters only (found {hidden})."},
        )
    return name


#: Control, format (U+202E RIGHT-TO-LEFT OVERRIDE and the other bidi controls, zero-width
#: characters) and line/paragraph separators: they make a name or a file name display as something
#: it is not ("evil\u202eyp.txt" shows as "eviltxt.py").
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _hidden_character(text: str) -> str | None:
    """The first hidden character of ``text`` as U+XXXX NAME, or None."""
    for char in text:
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"
    return None


def slug_of(name: str) -> str:
    """A lowercase ASCII slug of ``name`` for ids and file names (may be empty)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")


def check_upload_file_name(file_name: object) -> str:
    """The uploaded file's base name; it must end in ``.py``."""
    if not isinstance(file_name, str) or not file_name.strip():
        raise InvalidInput("Choose a .py file to upload.", fields={"file": "A file is required."})
    base = re.split(r"[\\/]", file_name.strip())[-1]
    if not base.lower().endswith(".py") or len(base) <= 3:
        raise InvalidInput(
            "Only Python files (.py) can be uploaded.", fields={"file": "The file must end in .py."}
        )
    if len(base) > 255:
        raise InvalidInput("The file name is too long.", fields={"file": "At most 255 characters."})
    hidden = _hidden_character(base)
    if hidden:
        raise InvalidInput(
            f"The file name contains an invisible or control character ({hidden}).",
            fields={"file": f"Rename the file: it contains {hidden}."},
        )
    return base


def decode_script(data: bytes, max_bytes: int, field: str = "file") -> str:
    """The script's text: at most ``max_bytes``, UTF-8, no NUL bytes, valid Python syntax."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The script is {len(data):,} bytes; the limit is {max_bytes:,} bytes.",
            fields={field: f"At most {max_bytes:,} bytes."},
        )
    if not data.strip():
        raise InvalidInput("The script is empty.", fields={field: "The script is empty."})
    if b"\x00" in data:
        raise InvalidInput(
            "The script contains NUL bytes: it is not a text file.",
            fields={field: "Not a text file (NUL bytes)."},
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The script is not UTF-8 text (byte {exc.start + 1} cannot be decoded). "
            "Save it as UTF-8 and upload it again.",
            fields={field: "The file must be UTF-8 encoded."},
        ) from None
    check_syntax(text, field)
    return text


def check_syntax(source: str, field: str = "content") -> None:
    """Compile without running; a SyntaxError becomes an InvalidInput with line and column."""
    try:
        compile(source, "<strategy>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        line, column = exc.lineno or 1, exc.offset or 1
        raise InvalidInput(
            f"Syntax error on line {line}, column {column}: {exc.msg}",
            fields={field: f"Line {line}, column {column}: {exc.msg}"},
            details={"line": line, "column": column, "error": exc.msg},
        ) from None
    except ValueError as exc:  # e.g. a NUL character given as text
        raise InvalidInput(f"The script cannot be compiled: {exc}", fields={field: str(exc)}) from None


def check_content(raw: object, max_bytes: int) -> str:
    """The editor's ``content`` for save: text, within the size limit, valid Python."""
    if not isinstance(raw, str):
        raise InvalidInput("Send the script as text in 'content'.", fields={"content": "Text is required."})
    return decode_script(raw.encode("utf-8", "surrogatepass"), max_bytes, field="content")


def check_exchange(raw: object) -> str:
    value = raw.strip().upper() if isinstance(raw, str) else ""
    if value not in STRATEGY_EXCHANGES:
        raise InvalidInput(
            "Unknown exchange.", fields={"exchange": f"One of: {', '.join(STRATEGY_EXCHANGES)}."}
        )
    return value


@dataclass(frozen=True)
class SettingsChange:
    """A validated partial update of a strategy's settings (None = leave as is)."""

    name: str | None = None
    exchange: str | None = None
    restart_on_crash: bool | None = None
    stop_signal: str | None = None
    memory_limit_mb: int | None = None
    clear_memory_limit: bool = False

    @property
    def needs_stopped(self) -> bool:
        """The exchange is injected at start, so it cannot change under a running process."""
        return self.exchange is not None


def _restart_on_crash(raw: object) -> dict[str, Any]:
    if not isinstance(raw, bool):
        raise ValueError("true or false.")
    return {"restart_on_crash": raw}


def _stop_signal(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or raw.strip().upper() not in STOP_SIGNALS:
        raise ValueError(f"One of: {', '.join(STOP_SIGNALS)}.")
    return {"stop_signal": raw.strip().upper()}


def _memory_limit(raw: object) -> dict[str, Any]:
    low, high = MEMORY_LIMIT_RANGE
    if raw is None:
        return {"clear_memory_limit": True}
    if isinstance(raw, int) and not isinstance(raw, bool) and low <= raw <= high:
        return {"memory_limit_mb": raw}
    raise ValueError(f"A whole number of MB between {low} and {high}, or null.")


def _from_check(key: str, check: Callable[[object], str]) -> Callable[[object], dict[str, Any]]:
    def parse(raw: object) -> dict[str, Any]:
        try:
            return {key: check(raw)}
        except InvalidInput as error:
            raise ValueError(error.fields.get(key, error.message)) from None

    return parse


_SETTING_PARSERS: dict[str, Callable[[object], dict[str, Any]]] = {
    "name": _from_check("name", clean_name),
    "exchange": _from_check("exchange", check_exchange),
    "restart_on_crash": _restart_on_crash,
    "stop_signal": _stop_signal,
    "memory_limit_mb": _memory_limit,
}


def parse_settings(payload: dict[str, Any]) -> SettingsChange:
    """Validate a settings update; unknown keys are refused so typos do not pass silently."""
    unknown = sorted(set(payload) - set(_SETTING_PARSERS))
    if unknown:
        raise InvalidInput(
            f"Unknown setting: {', '.join(unknown)}.", fields=dict.fromkeys(unknown, "Not a setting.")
        )
    fields: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, raw in payload.items():
        try:
            values.update(_SETTING_PARSERS[key](raw))
        except ValueError as error:
            fields[key] = str(error)
    if fields:
        raise InvalidInput("Some settings are not valid.", fields=fields)
    return SettingsChange(**values)
