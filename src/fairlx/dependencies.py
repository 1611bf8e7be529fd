"""What a route may ask FastAPI for: the process's infrastructure and the request's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

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
