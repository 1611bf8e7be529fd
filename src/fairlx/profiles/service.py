"""Profiles: the name, professional details, theme and avatar a user shows.

An avatar upload does its slow parts (decoding the picture in a worker thread, writing it to storage)
before its short write transaction, so no lock is held while they run; each upload gets a new storage
key, and the file it replaces is deleted by a job once the change has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth import sessions
from fairlx.auth.actor import Actor
from fairlx.auth.models import ThemePreference, User
from fairlx.core.cache import Cache
from fairlx.core.errors import Invalid, NotFound
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.outbox import emit
from fairlx.core.storage.jobs import DELETE_STORED_FILE
from fairlx.files.pictures import StoredPicture, open_picture, store_picture

PROFILE_FIELDS = frozenset(
    {"name", "phone", "linkedin_url", "portfolio_url", "working_domain", "job_role", "designation", "tools", "theme"}
)
# What `UserSnapshot` holds (and every request reads from the cache) among the profile's columns.
SNAPSHOT_FIELDS = frozenset({"name", "theme", "avatar_key"})


async def get_profile(db: AsyncSession, actor: Actor) -> User:
    return await _live_user(db, actor.user_id)


async def update_profile(db: AsyncSession, cache: Cache, actor: Actor, changes: Mapping[str, Any]) -> User:
    """Apply the fields present in `changes` (already validated by `ProfileUpdate`)."""
    unknown = sorted(set(changes) - PROFILE_FIELDS)
    if unknown:
        raise Invalid("unknown_field", field=unknown[0], detail=f"{unknown[0]} is not part of a profile.")
    user = await _live_user(db, actor.user_id)
    changed: set[str] = set()
    for name, value in changes.items():
        new_value = ThemePreference(value) if name == "theme" else value
        if getattr(user, name) != new_value:
            setattr(user, name, list(new_value) if name == "tools" else new_value)
            changed.add(name)
    if changed & SNAPSHOT_FIELDS:
        sessions.forget_user(db, cache, user.id)
    return user


async def replace_avatar(infra: Infrastructure, actor: Actor, source: BinaryIO, size: int) -> User:
    """Make the uploaded picture the user's avatar. Runs its own short transaction at the end (the
    caller holds none), after the picture is converted and stored."""
    key = await store_picture(infra, f"avatars/{actor.user_id}", source, size)
    try:
        async with infra.db.unit_of_work() as db:
            user = await _live_user(db, actor.user_id)
            await _set_avatar(db, infra.cache, user, key)
    except BaseException:
        await infra.storage.delete(key)  # nothing points at it
        raise
    return user


async def remove_avatar(db: AsyncSession, cache: Cache, actor: Actor) -> User:
    """Back to initials; removing an avatar that is not there is no error."""
    user = await _live_user(db, actor.user_id)
    await _set_avatar(db, cache, user, None)
    return user


async def open_avatar(db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID) -> StoredPicture:
    """Any user's current avatar; the user's snapshot comes from the cache when warm."""
    snapshot = await sessions.user_snapshot(db, infra.cache, user_id)
    key = None if snapshot is None or snapshot.deleted else snapshot.avatar_key
    return await open_picture(infra, key, NotFound("avatar_not_found", detail="This user has no avatar."))


async def _set_avatar(db: AsyncSession, cache: Cache, user: User, key: str | None) -> None:
    previous = user.avatar_key
    if previous == key:
        return
    user.avatar_key = key
    if previous is not None:
        await emit(db, DELETE_STORED_FILE, {"key": previous})
    sessions.forget_user(db, cache, user.id)


async def _live_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found", "This account no longer exists.")
    return user
