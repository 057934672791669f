"""Opens what one installation keeps across restarts — its database and its key files — only
when they belong together.

A fresh data folder (no database, no strategy scripts, no keys) is a first run: the database and
both keys are created, and ``/auth/setup`` waits for the admin. Anything else must be whole:
- a database that went missing next to earlier data would hand ``/auth/setup`` to the first
  visitor, so the host refuses unless the trader asks for a new one (``python app.py --init``);
- a database that is not a SQLite file is refused before SQLite touches it;
- a missing ``keys/.encryption_key`` is created only while the database holds no account, API key
  or secret: a new key cannot read what the old one encrypted, so otherwise the host refuses;
- a missing ``keys/.secret_key`` is recreated (it only signs sessions), with a warning in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError

from database.engine import Database, has_schema, looks_like_sqlite, sqlite_file
from database.migrate import upgrade_to_head
from database.models import ApiKey, PythonStrategyVariable, User
from services.crypto import (
    ENCRYPTION_KEY_FILE,
    SECRET_KEY_FILE,
    SecretBox,
    generate_session_key,
    read_session_key,
)
from services.errors import ConfigurationError
from services.settings import Settings

log = logging.getLogger(__name__)

INIT_HINT = "`python app.py --init`"
#: Files of a fresh checkout that are not data of an earlier run.
_PLACEHOLDERS = frozenset({".gitkeep", ".gitignore"})


@dataclass(frozen=True)
class OpenedData:
    db: Database
    box: SecretBox
    secret_key: str


@dataclass(frozen=True)
class InUse:
    """What shows that the install is past its first run: an account, or a value encrypted with
    the install's key. Every table that stores a ``SecretBox`` value must be counted here."""

    users: int
    api_keys: int
    secure_variables: int

    @property
    def anything(self) -> bool:
        return bool(self.users or self.api_keys or self.secure_variables)

    def describe(self) -> str:
        parts = [
            f"{count} {noun}{'s' if count != 1 else ''}"
            for count, noun in (
                (self.users, "account"),
                (self.api_keys, "encrypted API key"),
                (self.secure_variables, "encrypted secure variable"),
            )
            if count
        ]
        return ", ".join(parts)


def open_data_dir(settings: Settings, *, init: bool = False) -> OpenedData:
    """The database (migrated to head) and the keys of ``settings.data_dir``.

    ``init``: the trader ran ``python app.py --init``: a missing database is created even though
    the folder holds data of an earlier run. It never replaces a database that exists.
    Raises ConfigurationError, with what to do, when the folder is not whole.
    """
    db = open_database(settings, earlier_data(settings), init=init)
    try:
        in_use = _in_use(db)
        box = _secret_box(settings.keys_dir, in_use)
        secret_key = settings.secret_key or _session_key(settings.keys_dir, in_use)
    except BaseException:
        db.dispose()
        raise
    return OpenedData(db, box, secret_key)


def earlier_data(settings: Settings) -> list[str]:
    """What in the data folder shows that the host ran here before (empty for a fresh clone)."""
    found: list[str] = []
    if settings.scripts_dir.is_dir():
        entries = [p for p in settings.scripts_dir.iterdir() if p.name not in _PLACEHOLDERS]
        if entries:
            found.append(f"{settings.scripts_dir} holds {len(entries)} file(s)")
    keys = (settings.keys_dir / name for name in (ENCRYPTION_KEY_FILE, SECRET_KEY_FILE))
    found.extend(f"{key} exists" for key in keys if key.exists())
    return found


def open_database(settings: Settings, earlier: list[str], *, init: bool) -> Database:
    """Open and migrate the database, refusing a missing one next to ``earlier`` data (unless
    ``init``) and a SQLite file that is not a database, before anything is written."""
    url = settings.effective_database_url
    path = sqlite_file(url)
    if path is not None and path.exists():
        try:
            readable = looks_like_sqlite(path)
        except OSError as error:
            raise ConfigurationError(_unreadable(path, error.strerror or str(error))) from error
        if not readable:
            raise ConfigurationError(_unreadable(path, "it does not start like a SQLite database"))
    new_file = path is not None and (not path.exists() or path.stat().st_size == 0)
    if new_file:
        # Decided before SQLite creates the file: a refusal leaves the folder as it was.
        _check_new_database(f"file {path}", earlier, init)
    db = Database.from_url(url)
    try:
        if has_schema(db.engine):
            if init:
                log.warning("--init ignored: the database already exists, and --init never replaces one")
        elif not new_file:  # an empty PostgreSQL database (or SQLite file without tables)
            _check_new_database(f"file {path}" if path else "at DATABASE_URL", earlier, init)
        upgrade_to_head(db.engine, broker=settings.broker)
    except DatabaseError as error:
        db.dispose()
        if path is None:
            raise
        raise ConfigurationError(_unreadable(path, str(error.orig or error))) from error
    except BaseException:
        db.dispose()
        raise
    return db


def _check_new_database(name: str, earlier: list[str], init: bool) -> None:
    if not earlier:
        return  # a first run
    if init:
        log.warning("--init: a new, empty database %s, next to earlier data: %s", name, "; ".join(earlier))
        return
    raise ConfigurationError(
        f"The database {name} is missing or empty, but this data folder holds data of an earlier "
        f"run ({'; '.join(earlier)}). Starting now would create an empty database and let the "
        f"first visitor of /auth/setup become the admin. Restore the database from your backup, "
        f"or run {INIT_HINT} to start with a new, empty database on purpose."
    )


def _unreadable(path: Path, reason: str) -> str:
    return (
        f"The database file {path} cannot be read ({reason}); the host changed nothing. "
        f"Restore it from your backup, or move it aside and run {INIT_HINT} to start with a new, "
        f"empty database."
    )


def _in_use(db: Database) -> InUse:
    with db.session() as session:
        return InUse(
            users=session.scalar(select(func.count()).select_from(User)) or 0,
            api_keys=session.scalar(select(func.count()).select_from(ApiKey)) or 0,
            secure_variables=session.scalar(
                select(func.count()).select_from(PythonStrategyVariable).where(PythonStrategyVariable.secure)
            )
            or 0,
        )


def _secret_box(keys_dir: Path, in_use: InUse) -> SecretBox:
    box = SecretBox.load(keys_dir)
    if box is not None:
        return box
    path = keys_dir / ENCRYPTION_KEY_FILE
    if in_use.anything:
        raise ConfigurationError(
            f"The encryption key {path} is missing, but the database holds {in_use.describe()}: "
            f"secrets encrypted with that key cannot be read without it, and a new key would not "
            f"help. Restore {ENCRYPTION_KEY_FILE} from your backup of keys/ (hosts sharing one "
            f"database copy keys/ from the first machine) and start again."
        )
    log.info("First run: created the encryption key %s (back up keys/)", path)
    return SecretBox.generate(keys_dir)


def _session_key(keys_dir: Path, in_use: InUse) -> str:
    key = read_session_key(keys_dir)
    if key is not None:
        return key
    path = keys_dir / SECRET_KEY_FILE
    if in_use.users:
        log.warning(
            "The session key %s was missing: created a new one, so everyone signed in must log in again",
            path,
        )
    else:
        log.info("Created the session key %s", path)
    return generate_session_key(keys_dir)
