"""The login and first-run setup throttle: attempts are counted before the password is checked.

Counting first means concurrency cannot slip past the limit: 45 wrong passwords sent at once get
at most the limit's worth of 401s and 429 for the rest. Two budgets apply to a login: one per client
address (``request.remote_addr``: the real client when waitress trusts the reverse proxy in
``TRUSTED_PROXY``) and one per username from any address, so a guesser spread over many addresses
is slowed down too. A successful login starts both budgets afresh, so a trader who logs in and
out all day is never locked out. Uses the same ``limits`` engine and storage (memory:// or
redis://) as the host's other rate limits.
"""

from __future__ import annotations

import hashlib

from limits import RateLimitItem, parse_many

from services.errors import RateLimited
from services.rate_limits import LazyLimiter

TOO_MANY = "Too many attempts. Wait a minute and try again."


class LoginThrottle:
    def __init__(self, per_client: str, per_username: str, storage_uri: str, key_prefix: str = "") -> None:
        self._per_client: list[RateLimitItem] = parse_many(per_client)
        self._per_username: list[RateLimitItem] = parse_many(per_username)
        self._namespace = f"{key_prefix}:auth" if key_prefix else "auth"
        self._limiter = LazyLimiter(storage_uri)

    def login_attempt(self, client: str, username: str) -> None:
        """Count one login attempt; RateLimited when the client or the username is over its budget."""
        self._hit(self._per_client, "login-client", _key(client))
        self._hit(self._per_username, "login-user", _key(username.strip().lower()))

    def login_succeeded(self, client: str, username: str) -> None:
        limiter = self._limiter.get()
        for item in self._per_client:
            limiter.clear(item, self._namespace, "login-client", _key(client))
        for item in self._per_username:
            limiter.clear(item, self._namespace, "login-user", _key(username.strip().lower()))

    def setup_attempt(self, client: str) -> None:
        """Count one first-run setup that will hash a password (the client's login budget)."""
        self._hit(self._per_client, "setup-client", _key(client))

    def _hit(self, items: list[RateLimitItem], kind: str, key: str) -> None:
        limiter = self._limiter.get()
        for item in items:
            if not limiter.hit(item, self._namespace, kind, key):
                raise RateLimited(TOO_MANY)


def _key(value: str) -> str:
    """A fixed-size key: usernames are whatever a stranger typed."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
