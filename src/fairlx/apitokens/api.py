"""JSON routes of personal API tokens under /api/v1/me/tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from fairlx.apitokens import service
from fairlx.apitokens.schemas import CreatedTokenOut, TokenCreate, TokenList, TokenOut
from fairlx.dependencies import Client, CurrentActor, Db, Infra

router = APIRouter(prefix="/api/v1/me/tokens", tags=["api tokens"])


@router.get("")
async def list_tokens(actor: CurrentActor, db: Db) -> TokenList:
    tokens = await service.list_tokens(db, actor.user_id)
    return TokenList(items=[TokenOut.model_validate(token) for token in tokens])


@router.post("", status_code=201)
async def create_token(body: TokenCreate, actor: CurrentActor, db: Db, client: Client) -> CreatedTokenOut:
    created = await service.create_token(db, actor.user_id, body.name, body.expires_at, client)
    return CreatedTokenOut(**TokenOut.model_validate(created.token).model_dump(), token=created.secret)


@router.delete("/{token_id}", status_code=204)
async def revoke_token(token_id: uuid.UUID, actor: CurrentActor, db: Db, infra: Infra, client: Client) -> None:
    await service.revoke_token(db, infra.cache, actor.user_id, token_id, client)
