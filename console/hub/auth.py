"""Users, passwords and sessions of the hub: who is acting, with which role.

Users come from a TOML file (``--users FILE``)::

    # one [[users]] table per person; role: duty, coordinator, leader, inspector or admin
    [[users]]
    name = "zhang.wei"
    display = "张伟 (值班)"
    role = "duty"
    password = "scrypt$16384$8$1$<salt hex>$<hash hex>"   # python -m console.hub.auth hash

Passwords are stored only as hashes: scrypt (n=2**14, r=8, p=1, 16 MiB a hash) for new ones; the
PBKDF2-HMAC-SHA256 hashes of older users files (``pbkdf2_sha256$iterations$salt$hash``) still verify. A
login returns a random session token that expires after ``SESSION_HOURS``; the hub's shared ``--token``
stays valid with the ``--token-role`` role.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
import sys
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec

from console.core.demo_passwords import DEMO_PASSWORDS_FILE
from console.core.incidents import Role
from console.hub.quota import FailureThrottle

SESSION_HOURS = 12.0
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # OWASP's minimum for scrypt: 16 MiB and ~50 ms a hash
SCRYPT_MAXMEM = 64 * 2**20
DEMO_USERS = {
    "duty": ("值班员", Role.DUTY),
    "coordinator": ("调度员", Role.COORDINATOR),
    "leader": ("领导", Role.LEADER),
    "inspector": ("第三方巡查", Role.INSPECTOR),
    "admin": ("管理员", Role.ADMIN),
}
DEMO_USERS_FILE = "demo-users.toml"  # the demo users' hashes, in the data directory
SHARED_TOKEN_USER = "console"  # the actor named in the audit trail for the shared token
HASH_SCHEMES = ("scrypt$", "pbkdf2_sha256$")


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


def hash_password(password: str, n: int = SCRYPT_N, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) for a password; a smaller ``n`` only for tests."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def pbkdf2_password(password: str, iterations: int, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$iterations$salt$hash``: the older scheme, still accepted in users files."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored hash of either scheme (constant-time comparison)."""
    try:
        scheme, *fields = stored.split("$")
        if scheme == "scrypt":
            n, r, p, salt, digest = fields
            got = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
        elif scheme == "pbkdf2_sha256":
            iterations, salt, digest = fields
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
        else:
            return False
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
        if not user.password.startswith(HASH_SCHEMES):
            raise ValueError(f"users file {path}: user {user.name!r} needs a scrypt or pbkdf2_sha256 hash")
    return {user.name: user for user in users}


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # stdout's first line is the hub's READY line


def demo_users(data_dir: Path, announce: Callable[[str], None] = _to_stderr) -> dict[str, User]:
    """One user per role, named after the role (the simulated city's demo), each with its own password.

    The first start makes the passwords, keeps their hashes in ``demo-users.toml`` and the passwords in
    ``demo-passwords.txt`` (mode 0600) of the data directory, and announces them once; later starts load
    the hashes."""
    stored = data_dir / DEMO_USERS_FILE
    if stored.is_file():
        return load_users(stored)
    passwords = {name: secrets.token_urlsafe(12) for name in DEMO_USERS}
    with ThreadPoolExecutor() as pool:  # scrypt lets go of the GIL: the hashes share the cores
        hashes_of = dict(zip(passwords, pool.map(hash_password, passwords.values()), strict=True))
    users = {name: User(name, role, hashes_of[name], display) for name, (display, role) in DEMO_USERS.items()}
    data_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{name} {password}" for name, password in passwords.items()]
    _write_private(data_dir / DEMO_PASSWORDS_FILE, "# demo users: name password\n" + "\n".join(lines) + "\n")
    table = "".join(
        f'[[users]]\nname = "{u.name}"\ndisplay = "{u.display}"\nrole = "{u.role}"\n'
        f'password = "{u.password}"\n\n'
        for u in users.values()
    )
    _write_private(stored, table)
    announce("demo users (first start; kept in " + str(data_dir / DEMO_PASSWORDS_FILE) + "):")
    for line in lines:
        announce("  " + line)
    return users


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, created so from the start (never readable by others)."""
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    partial.replace(path)


class Sessions:
    """Logins and the tokens they hand out; the shared hub token maps to a fixed role."""

    def __init__(
        self,
        users: dict[str, User],
        shared_token: str,
        shared_role: Role = Role.DUTY,
        clock: Callable[[], float] = time.time,
        hours: float = SESSION_HOURS,
        login_failures: tuple[int, int] = (5, 20),
    ) -> None:
        self.users = users
        # Failed logins in a row before back-off: per user name, and per address (whatever the names).
        self.names, self.addresses = (FailureThrottle(free) for free in login_failures)
        self._dummy = ""  # a hash of the default cost that unknown names are checked against
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
        """The user when the password is right (slow on purpose: call it off the event loop).

        An unknown name costs a hash of the same kind as a known one, so the time taken does not tell
        which names exist."""
        user = self.users.get(name)
        if user is None:
            if not self._dummy:
                self._dummy = hash_password(secrets.token_hex(8))
            verify_password(password, self._dummy)
            return None
        return user if verify_password(password, user.password) else None

    def login_wait(self, name: str, address: str) -> float:
        """Seconds before ``name`` may try to log in again from ``address`` (0: now)."""
        return max(self.names.wait(name), self.addresses.wait(address))

    def login_failed(self, name: str, address: str) -> None:
        """Count a wrong password (or unknown name) against both."""
        self.names.failed(name)
        self.addresses.failed(address)

    def login_succeeded(self, name: str) -> None:
        """A right password clears the name's failures (the address keeps its own count)."""
        self.names.succeeded(name)

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
