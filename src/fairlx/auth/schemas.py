"""Request and response bodies of the auth routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from fairlx.auth.actor import Lifecycle
from fairlx.auth.models import AccountType, SignInMethod, User
from fairlx.files.pictures import picture_url

Name = Field(min_length=1, max_length=120)
Password = Field(min_length=1, max_length=1024)  # the policy (8 to 256) is checked by the service
Secret = Field(min_length=1, max_length=200)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RegisterIn(Strict):
    name: str = Name
    email: EmailStr
    password: str = Password
    accept_terms: bool

    @field_validator("name")
    @classmethod
    def name_is_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Enter your name.")
        return value.strip()

    @field_validator("accept_terms")
    @classmethod
    def terms_are_accepted(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Accept the terms of service to create an account.")
        return value


class LoginIn(Strict):
    email: EmailStr
    password: str = Password


class EmailIn(Strict):
    email: EmailStr


class TokenIn(Strict):
    token: str = Secret


class ResetPasswordIn(Strict):
    token: str = Secret
    password: str = Password


class ChangePasswordIn(Strict):
    current_password: str | None = Field(default=None, max_length=1024)
    new_password: str = Password


class AccountTypeIn(Strict):
    account_type: AccountType


class DeleteAccountIn(Strict):
    password: str | None = Field(default=None, max_length=1024)
    confirm_email: str = Field(min_length=1, max_length=320)


class Accepted(BaseModel):
    """The same answer whether or not an account exists behind the address."""

    status: Literal["accepted"] = "accepted"
    detail: str


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    email_verified: bool
    has_password: bool
    account_type: AccountType | None
    theme: str
    avatar_url: str | None
    phone: str | None
    linkedin_url: str | None
    portfolio_url: str | None
    working_domain: str | None
    job_role: str | None
    designation: str | None
    tools: list[str]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            email_verified=user.email_verified_at is not None,
            has_password=user.has_password,
            account_type=user.account_type,
            theme=user.theme.value,
            avatar_url=avatar_url(user.id, user.avatar_key),
            phone=user.phone,
            linkedin_url=user.linkedin_url,
            portfolio_url=user.portfolio_url,
            working_domain=user.working_domain,
            job_role=user.job_role,
            designation=user.designation,
            tools=list(user.tools or []),
            created_at=user.created_at,
        )


def avatar_url(user_id: uuid.UUID, avatar_key: str | None) -> str | None:
    return picture_url(f"/api/v1/users/{user_id}/avatar", avatar_key)


class MeOut(BaseModel):
    user: UserOut
    lifecycle: Lifecycle
    two_factor_methods: list[str]


class SignedInOut(BaseModel):
    state: Literal["SIGNED_IN"] = "SIGNED_IN"
    user: UserOut
    lifecycle: Lifecycle


class TwoFactorChallengeOut(BaseModel):
    state: Literal["REQUIRE_2FA"] = "REQUIRE_2FA"
    challenge_token: str
    methods: list[str]


class SessionOut(BaseModel):
    id: uuid.UUID
    method: SignInMethod
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool


class SessionList(BaseModel):
    items: list[SessionOut]
    next_cursor: None = None


class SessionsEnded(BaseModel):
    ended: int
