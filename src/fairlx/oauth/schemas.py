"""Request and response bodies of the sign-in-with-a-provider and linked-identity routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from fairlx.oauth.models import Provider


class AuthorizeOut(BaseModel):
    """Where to send the browser to connect the account (the browser-binding cookie rides along)."""

    authorize_url: str


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: Provider
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


class IdentityList(BaseModel):
    items: list[IdentityOut]
    next_cursor: None = None


class ProviderOut(BaseModel):
    provider: str
    label: str
    start_url: str  # navigate the browser here (add `?return_to=/path`)


class ProviderList(BaseModel):
    items: list[ProviderOut]
