"""What a route may ask FastAPI for: the process's infrastructure, the request's unit of work, the
client it came from, and who is asking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.actor import Actor, client_info, resolve_actor
from fairlx.auth.sessions import ClientInfo
from fairlx.core.errors import Unauthorized
from fairlx.core.infrastructure import Infrastructure
from fairlx.rbac.declarations import Declaration, Requirement, declare

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


declare(current_actor, Declaration(Requirement.SIGNED_IN))


async def actor_outside_transaction(request: Request, infra: Infra) -> Actor | None:
    """Who is asking, resolved in a short read-only transaction that ends at once: for routes that must
    hold no transaction while they do slow work (receiving an upload, calling a provider)."""
    async with infra.db.unit_of_work(read_only=True) as db:
        return await resolve_actor(request, infra, db)


async def signed_in_outside_transaction(
    actor: Annotated[Actor | None, Depends(actor_outside_transaction)],
) -> Actor:
    if actor is None:
        raise Unauthorized("not_authenticated", "Sign in, or send a personal API token as a bearer token.")
    return actor


declare(signed_in_outside_transaction, Declaration(Requirement.SIGNED_IN))
SignedInOutsideTransaction = Annotated[Actor, Depends(signed_in_outside_transaction)]

MaybeActor = Annotated[Actor | None, Depends(optional_actor)]
CurrentActor = Annotated[Actor, Depends(current_actor)]


@dataclass(frozen=True)
class RequestContext:
    """What most routes need at once: the unit of work, the infrastructure, who asks and from where."""

    db: AsyncSession
    infra: Infrastructure
    actor: Actor
    client: ClientInfo


async def request_context(db: Db, infra: Infra, actor: CurrentActor, client: Client) -> RequestContext:
    return RequestContext(db, infra, actor, client)


Ctx = Annotated[RequestContext, Depends(request_context)]
