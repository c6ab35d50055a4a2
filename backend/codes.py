"""References and access codes a child can read aloud and type on a tablet."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# No 0/O, 1/I/L or U: nothing a child could misread or copy wrongly.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

KIND_PREFIX = {"complaint": "CMP", "comment": "CMT", "compliment": "THX"}

_hasher = PasswordHasher()


def _random_chars(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_reference(kind: str) -> str:
    """E.g. CMP-7K4Q-2M: 30^6 (about 7 x 10^8) possibilities per kind."""
    return f"{KIND_PREFIX[kind]}-{_random_chars(4)}-{_random_chars(2)}"


def new_access_code() -> str:
    """Six characters with a digit and a letter among them; only its argon2 hash is stored.

    Never all letters: then it can never read as a word, and a code typed beside a reference
    ("can u check cmp-7k4q-2m 3r44jx pls") is told apart from the words around it (the chat's
    status check takes the six-character word with a digit). About 6 x 10^8 possibilities.
    """
    while True:
        code = _random_chars(6)
        if any(ch.isdigit() for ch in code) and any(ch.isalpha() for ch in code):
            return code


async def new_hashed_access_code() -> tuple[str, str]:
    """A new access code and its argon2 hash: the code to show once, the hash to store.

    argon2 is deliberately slow: hashed off the event loop so other requests keep flowing.
    """
    code = new_access_code()
    return code, await asyncio.to_thread(hash_access_code, code)


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def hash_access_code(code: str) -> str:
    return _hasher.hash(normalise_code(code))


def access_code_matches(code_hash: str, code: str) -> bool:
    try:
        return _hasher.verify(code_hash, normalise_code(code))
    except (VerificationError, InvalidHashError):
        return False
