"""The API tokens section of account settings: the list, a form that shows a new token once, and
revoking."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from fairlx.apitokens import service
from fairlx.apitokens.models import ApiToken
from fairlx.apitokens.service import CreatedToken
from fairlx.auth.actor import Actor
from fairlx.core.clock import utcnow
from fairlx.dependencies import Client, Db, Infra
from fairlx.web.forms import handle_form
from fairlx.web.guards import PageActor
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False)

TOKENS_PATH = "/settings/tokens"
EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("never", "Never")]


class TokenForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    expires_in: Literal["never", "30", "90", "365"] = "90"


def toast(title: str, message: str = "") -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": message}})}


async def tokens_context(db: Db, actor: Actor, created: CreatedToken | None = None) -> dict[str, Any]:
    tokens: list[ApiToken] = await service.list_tokens(db, actor.user_id)
    return {
        "tokens": [token for token in tokens if token.revoked_at is None],  # one revoked just now is not flushed
        "created": created,
        "now": utcnow(),
        "expiry_choices": EXPIRY_CHOICES,
        "values": {},
        "errors": None,
    }


@router.get(TOKENS_PATH, response_class=HTMLResponse)
async def tokens_page(request: Request, actor: PageActor, db: Db) -> Response:
    return render(request, "apitokens/tokens.html", await tokens_context(db, actor))


@router.post(TOKENS_PATH)
async def create_token(request: Request, actor: PageActor, db: Db, client: Client) -> Response:
    async def act(form: TokenForm) -> Response:
        expires_at = None if form.expires_in == "never" else utcnow() + timedelta(days=int(form.expires_in))
        created = await service.create_token(db, actor.user_id, form.name, expires_at, client)
        context = await tokens_context(db, actor, created)
        return render(request, "apitokens/_tokens.html", context, headers=toast("Token created"))

    context = await tokens_context(db, actor)
    return await handle_form(request, db, TokenForm, act, template="apitokens/_tokens.html", context=context)


@router.post(TOKENS_PATH + "/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    token = await service.revoke_token(db, infra.cache, actor.user_id, token_id, client)
    context = await tokens_context(db, actor)
    return render(
        request, "apitokens/_tokens.html", context, headers=toast("Token revoked", f"“{token.name}” stops working now.")
    )
