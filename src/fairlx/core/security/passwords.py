"""Password hashing with Argon2id. The cost parameters come from settings so that tests can run with
small ones; a hash made with other parameters is reported as needing a rehash at the next login."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(frozen=True)
class PasswordCheck:
    matches: bool
    needs_rehash: bool = False


class Passwords:
    def __init__(self, *, time_cost: int, memory_cost_kib: int, parallelism: int = 1) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)
        # Verifying against this keeps the time of a login for an unknown account like a known one's.
        self._decoy_hash = self._hasher.hash("decoy password for unknown accounts")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> PasswordCheck:
        """Does `password` match? A missing hash still costs one verification (no timing oracle)."""
        try:
            self._hasher.verify(stored_hash or self._decoy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return PasswordCheck(matches=False)
        if stored_hash is None:
            return PasswordCheck(matches=False)
        return PasswordCheck(matches=True, needs_rehash=self._hasher.check_needs_rehash(stored_hash))
