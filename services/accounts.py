"""The single admin account: first-run setup and password login."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from database.engine import Database
from database.models import User
from services.apikeys import ApiKeys
from services.crypto import Passwords
from services.errors import Conflict, InvalidInput, NotAuthenticated

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
GENERIC_LOGIN_FAILURE = "Invalid username or password."


@dataclass(frozen=True)
class Account:
    id: int
    username: str


class Accounts:
    """Creates the admin once and checks logins."""

    def __init__(
        self, db: Database, passwords: Passwords, api_keys: ApiKeys, min_password_length: int
    ) -> None:
        self._db = db
        self._passwords = passwords
        self._api_keys = api_keys
        self._min_password_length = min_password_length

    def is_set_up(self) -> bool:
        with self._db.session() as session:
            return bool(session.scalar(select(func.count()).select_from(User)))

    def set_up(self, username: str, password: str) -> Account:
        """Create the admin user and its first API key; refused once a user exists."""
        username = username.strip()
        problems: dict[str, str] = {}
        if not USERNAME_PATTERN.match(username):
            problems["username"] = "3–64 characters: letters, digits, dot, dash or underscore."
        if len(password) < self._min_password_length:
            problems["password"] = (
                f"The password must be at least {self._min_password_length} characters long."
            )
        if problems:
            raise InvalidInput("Please correct the highlighted fields.", fields=problems)
        password_hash = self._passwords.hash(password)
        with self._db.session() as session:
            # The count check and the insert share one transaction; the unique username and
            # the check together keep this to a single admin even under concurrent setups.
            if session.scalar(select(func.count()).select_from(User)):
                raise Conflict("Setup is already complete. Please log in.")
            user = User(username=username, password_hash=password_hash)
            session.add(user)
            session.flush()
            self._api_keys.issue(session, user.id)
            account = Account(id=user.id, username=user.username)
        log.info("Admin user %r created", account.username)
        return account

    def authenticate(self, username: str, password: str) -> Account:
        """The account for these credentials; one generic error for every failure."""
        with self._db.session() as session:
            user = session.scalar(select(User).where(User.username == username.strip()))
            if user is None:
                self._passwords.dummy_verify()
                raise NotAuthenticated(GENERIC_LOGIN_FAILURE)
            if not self._passwords.verify(user.password_hash, password):
                raise NotAuthenticated(GENERIC_LOGIN_FAILURE)
            return Account(id=user.id, username=user.username)

    def get(self, user_id: int) -> Account | None:
        with self._db.session() as session:
            user = session.get(User, user_id)
            return None if user is None else Account(id=user.id, username=user.username)
