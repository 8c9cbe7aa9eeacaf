"""Users, passwords and sessions of the hub: who is acting, with which role.

Users come from a TOML file (``--users FILE``)::

    # one [[users]] table per person; role: duty, coordinator, leader, inspector or admin
    [[users]]
    name = "zhang.wei"
    display = "张伟 (值班)"
    role = "duty"
    password = "pbkdf2_sha256$200000$<salt hex>$<hash hex>"   # python -m console.hub.auth hash

Passwords are stored only as PBKDF2-HMAC-SHA256 hashes. A login returns a random session token that
expires after ``SESSION_HOURS``; the hub's shared ``--token`` stays valid with the ``--token-role`` role.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import msgspec

from console.core.incidents import Role

SESSION_HOURS = 12.0
ITERATIONS = 200_000
DEMO_USERS = {
    "duty": ("值班员", Role.DUTY),
    "coordinator": ("调度员", Role.COORDINATOR),
    "leader": ("领导", Role.LEADER),
    "inspector": ("第三方巡查", Role.INSPECTOR),
    "admin": ("管理员", Role.ADMIN),
}
SHARED_TOKEN_USER = "console"  # the actor named in the audit trail for the shared token


class User(msgspec.Struct, frozen=True):
    """A person who may log in; ``password`` is a hash from :func:`hash_password`."""

    name: str
    role: Role
    password: str
    display: str = ""


class Session(msgspec.Struct, frozen=True):
    """Who holds a token: user name, role, display name and when the token expires (Unix s)."""

    user: str
    role: Role
    display: str
    expires: float = float("inf")


class _UsersFile(msgspec.Struct):
    users: list[User] = []


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$iterations$salt$hash`` (hex) for a password."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored hash (constant-time comparison)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def token_digest(token: str) -> str:
    """What is kept of a session token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_users(path: Path) -> dict[str, User]:
    """Users from a TOML file (see the module docstring); raises ValueError saying what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        users = msgspec.convert(data, _UsersFile).users
    except (OSError, tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"users file {path}: {exc}") from None
    for user in users:
        if not user.password.startswith("pbkdf2_sha256$"):
            raise ValueError(f"users file {path}: user {user.name!r} needs a pbkdf2_sha256 password hash")
    return {user.name: user for user in users}


def demo_users(password: str) -> dict[str, User]:
    """One user per role, named after the role, with the given password (the simulated city's demo)."""
    hashed = hash_password(password, iterations=10_000)  # a demo: the password is the hub token anyway
    return {name: User(name, role, hashed, display) for name, (display, role) in DEMO_USERS.items()}


class Sessions:
    """Logins and the tokens they hand out; the shared hub token maps to a fixed role."""

    def __init__(
        self,
        users: dict[str, User],
        shared_token: str,
        shared_role: Role = Role.DUTY,
        clock: Callable[[], float] = time.time,
        hours: float = SESSION_HOURS,
    ) -> None:
        self.users = users
        self._shared = (shared_token, Session(SHARED_TOKEN_USER, Role(shared_role), "Console"))
        self._clock = clock
        self._lifetime = hours * 3600
        self._tokens: dict[str, Session] = {}  # by token digest: a copy of the table reveals no token

    def restore(self, saved: dict[str, Session]) -> None:
        """Sessions kept across a hub restart (by token digest); the users file decides the role today."""
        now = self._clock()
        for digest, session in saved.items():
            user = self.users.get(session.user)
            if user is not None and session.expires > now:
                display = user.display or user.name
                self._tokens[digest] = Session(user.name, user.role, display, session.expires)

    def check_password(self, name: str, password: str) -> User | None:
        """The user when the password is right (slow on purpose: call it off the event loop)."""
        user = self.users.get(name)
        if user is None:
            verify_password(password, hash_password("", iterations=10_000))  # same work: no user probing
            return None
        return user if verify_password(password, user.password) else None

    def open(self, user: User) -> tuple[str, Session]:
        """A new session token for a user who logged in."""
        self._expire()
        token = secrets.token_urlsafe(24)
        session = Session(user.name, user.role, user.display or user.name, self._clock() + self._lifetime)
        self._tokens[token_digest(token)] = session
        return token, session

    def resolve(self, token: str | None) -> Session | None:
        """The session a token stands for, or None (unknown or expired)."""
        if not token:
            return None
        shared_token, shared_session = self._shared
        if hmac.compare_digest(token.encode(), shared_token.encode()):
            return shared_session
        session = self._tokens.get(token_digest(token))
        if session is None or session.expires < self._clock():
            return None
        return session

    def _expire(self) -> None:
        now = self._clock()
        for token in [t for t, s in self._tokens.items() if s.expires < now]:
            del self._tokens[token]


def main(argv: list[str] | None = None) -> None:
    """``python -m console.hub.auth hash``: print the hash of a password typed twice (for --users)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["hash"]:
        raise SystemExit("usage: python -m console.hub.auth hash")
    password = getpass.getpass("password: ")
    if password != getpass.getpass("again: "):
        raise SystemExit("the passwords differ")
    print(hash_password(password))


if __name__ == "__main__":
    main()
