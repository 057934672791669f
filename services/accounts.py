"""The single admin account: first-run setup, password login and the generation of its sessions.

A password is hashed only after the cheap checks have passed (already set up: 409; invalid
fields: 400; too many attempts: 429), so anonymous requests cannot make the host hash at will.
The session generation is stored in each login session and compared on every request: logout
and a new API key bump it, which ends every session issued before.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from database.engine import Database
from database.models import User
from services.apikeys import ApiKeys, advance_session_generation
from services.crypto import Passwords
from services.errors import Conflict, InvalidInput, NotAuthenticated
from services.login_throttle import LoginThrottle

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
GENERIC_LOGIN_FAILURE = "Invalid username or password."
ALREADY_SET_UP = "Setup is already complete. Please log in."


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    session_generation: int = 0


def _account(user: User) -> Account:
    return Account(id=user.id, username=user.username, session_generation=user.session_generation)


class Accounts:
    """Creates the admin once and checks logins."""

    def __init__(
        self,
        db: Database,
        passwords: Passwords,
        api_keys: ApiKeys,
        min_password_length: int,
        throttle: LoginThrottle,
    ) -> None:
        self._db = db
        self._passwords = passwords
        self._api_keys = api_keys
        self._min_password_length = min_password_length
        self._throttle = throttle

    def is_set_up(self) -> bool:
        with self._db.session() as session:
            return bool(session.scalar(select(exists().select_from(User))))

    def set_up(self, username: str, password: str, client: str = "") -> Account:
        """Create the admin user and its first API key; refused once a user exists."""
        if self.is_set_up():
            raise Conflict(ALREADY_SET_UP)
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
        self._throttle.setup_attempt(client)
        password_hash = self._passwords.hash(password)
        try:
            with self._db.session() as session:
                # The unique singleton index decides between concurrent setups (on every
                # backend): the second insert fails, whatever the checks above saw.
                user = User(username=username, password_hash=password_hash, singleton=1)
                session.add(user)
                session.flush()
                self._api_keys.issue(session, user.id)
                account = _account(user)
        except IntegrityError:
            raise Conflict(ALREADY_SET_UP) from None
        log.info("Admin user %r created", account.username)
        return account

    def authenticate(self, username: str, password: str, client: str = "") -> Account:
        """The account for these credentials; one generic error for every failure.

        The attempt is counted before the password is checked (429 beyond the limits), so
        concurrent attempts cannot all slip through; a success starts the budgets afresh.
        """
        self._throttle.login_attempt(client, username)
        with self._db.session() as session:
            user = session.scalar(select(User).where(User.username == username.strip()))
        # Verified outside the transaction: waiting for a hashing slot holds no connection.
        if user is None:
            self._passwords.dummy_verify()
            raise NotAuthenticated(GENERIC_LOGIN_FAILURE)
        if not self._passwords.verify(user.password_hash, password):
            raise NotAuthenticated(GENERIC_LOGIN_FAILURE)
        self._throttle.login_succeeded(client, username)
        return _account(user)

    def get(self, user_id: int) -> Account | None:
        with self._db.session() as session:
            user = session.get(User, user_id)
            return None if user is None else _account(user)

    def end_sessions(self, user_id: int) -> None:
        """Every login session of the user issued so far stops working (logout)."""
        with self._db.session() as session:
            advance_session_generation(session, user_id)
        log.info("Sessions of user id %s ended", user_id)
