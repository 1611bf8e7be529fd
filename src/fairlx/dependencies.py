"""What a route may ask FastAPI for: the process's infrastructure, the request's unit of work, the
client it came from, and who is asking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.actor import Actor, client_info, resolve_actor
from fairlx.auth.sessions import ClientInfo
from fairlx.core.errors import Unauthorized
from fairlx.core.infrastructure import Infrastructure

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_infrastructure(request: Request) -> Infrastructure:
    infra: Infrastructure = request.app.state.infra
    return infra


async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction, committed after the route returns and before the response is
    sent (so a failed commit is the client's error, not a silent loss). Safe methods only read."""
    infra = get_infrastructure(request)
    async with infra.db.unit_of_work(read_only=request.method in SAFE_METHODS) as session:
        yield session


Infra = Annotated[Infrastructure, Depends(get_infrastructure)]
Db = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]
Client = Annotated[ClientInfo, Depends(client_info)]


async def optional_actor(request: Request, infra: Infra, db: Db) -> Actor | None:
    return await resolve_actor(request, infra, db)


async def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("not_authenticated", "Sign in, or send a personal API token as a bearer token.")
    return actor


MaybeActor = Annotated[Actor | None, Depends(optional_actor)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
