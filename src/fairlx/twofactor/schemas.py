"""Request and response bodies of the second-factor routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fairlx.twofactor.models import TwoFactorMethod
from fairlx.twofactor.service import ChallengeMethod, Enabled, Overview

Code = Field(min_length=1, max_length=64)
Token = Field(min_length=1, max_length=200)
OptionalPassword = Field(default=None, max_length=1024)
OptionalCode = Field(default=None, max_length=64)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeIn(Strict):
    code: str = Code


class ChallengeIn(Strict):
    challenge_token: str = Token


class VerifyIn(Strict):
    challenge_token: str = Token
    code: str = Code
    method: ChallengeMethod = "totp"


class ConfirmIn(Strict):
    """The password; accounts without one send a current code instead."""

    password: str | None = OptionalPassword
    code: str | None = OptionalCode


class DisableIn(ConfirmIn):
    method: TwoFactorMethod | None = None  # None: every method


class StatusOut(BaseModel):
    methods: list[TwoFactorMethod]
    recovery_codes_left: int
    totp_pending: bool
    locked_until: datetime | None

    @classmethod
    def of(cls, overview: Overview) -> StatusOut:
        return cls(
            methods=overview.methods,
            recovery_codes_left=overview.recovery_codes_left,
            totp_pending=overview.pending_totp is not None,
            locked_until=overview.locked_until,
        )


class TotpSetupOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class EnabledOut(BaseModel):
    methods: list[TwoFactorMethod]
    recovery_codes: list[str] | None = Field(description="New recovery codes, shown this once; null when kept.")

    @classmethod
    def of(cls, enabled: Enabled) -> EnabledOut:
        return cls(methods=enabled.methods, recovery_codes=enabled.recovery_codes)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class DisabledOut(BaseModel):
    methods: list[TwoFactorMethod]


class CodeMailed(BaseModel):
    status: str = "sent"
    detail: str
