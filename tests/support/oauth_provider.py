"""A loopback identity provider speaking both protocols Fairlx signs in with: OpenID Connect the way
Google does (discovery, /authorize, /token, /userinfo) and GitHub's OAuth (/login/oauth/authorize,
/login/oauth/access_token, /api/user, /api/user/emails).

It checks what a real provider checks: the client's credentials, the redirect URI, that a code is used
once, and that SHA-256 of the PKCE verifier matches the challenge the browser brought to /authorize.
Tests choose the person who signs in (`provider.user`), can make /authorize refuse
(`provider.refuse_with`), alter ID-token claims (`provider.id_token_overrides`), or tamper with a
stored grant to prove the checks bite. The browser leg is driven by `authorize` and `sign_in_with`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.servers import live_server

CLIENT_ID = "loopback-client"
CLIENT_SECRET = "loopback-secret"
ID_TOKEN_LIFETIME = 600

Flavour = Literal["oidc", "github"]


@dataclass
class ProviderUser:
    """The person who signs in at the provider."""

    subject: str = "10001"
    email: str | None = "grace@example.com"
    email_verified: bool = True
    name: str | None = "Grace Hopper"
    login: str = "grace"


@dataclass
class Grant:
    flavour: Flavour
    client_id: str
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str
    nonce: str | None
    user: ProviderUser
    used: bool = False


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class LoopbackProvider:
    base_url: str = ""
    user: ProviderUser = field(default_factory=ProviderUser)
    refuse_with: tuple[str, str] | None = None  # (error, error_description) answered by /authorize
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, ProviderUser] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    discovery_hits: int = 0

    def reset(self) -> None:
        self.user = ProviderUser()
        self.refuse_with = None
        self.id_token_overrides = {}
        self.grants.clear()
        self.tokens.clear()
        self.authorize_requests.clear()
        self.token_requests.clear()
        self.discovery_hits = 0

    def settings(self, *, google: bool = True, github: bool = True) -> dict[str, Any]:
        """Settings overrides that point Fairlx at this provider (a provider left out stays disabled)."""
        values: dict[str, Any] = {"public_url": "http://testserver"}
        if google:
            values |= {
                "oauth_google_issuer": self.base_url,
                "oauth_google_client_id": CLIENT_ID,
                "oauth_google_client_secret": CLIENT_SECRET,
            }
        if github:
            values |= {
                "oauth_github_url": self.base_url,
                "oauth_github_api_url": f"{self.base_url}/api",
                "oauth_github_client_id": CLIENT_ID,
                "oauth_github_client_secret": CLIENT_SECRET,
            }
        return values

    def grant_for(self, callback_url: str) -> Grant:
        """The grant behind the code in a callback URL (to tamper with it)."""
        code = httpx.URL(callback_url).params["code"]
        return self.grants[code]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize_oidc),
                Route("/token", self.token_oidc, methods=["POST"]),
                Route("/userinfo", self.userinfo),
                Route("/login/oauth/authorize", self.authorize_github),
                Route("/login/oauth/access_token", self.token_github, methods=["POST"]),
                Route("/api/user", self.github_user),
                Route("/api/user/emails", self.github_emails),
            ]
        )

    # --- OpenID Connect ---------------------------------------------------------------------------

    async def discovery(self, _request: Request) -> Response:
        self.discovery_hits += 1
        return JSONResponse(
            {
                "issuer": self.base_url,
                "authorization_endpoint": f"{self.base_url}/authorize",
                "token_endpoint": f"{self.base_url}/token",
                "userinfo_endpoint": f"{self.base_url}/userinfo",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def authorize_oidc(self, request: Request) -> Response:
        return self._authorize(request, "oidc")

    async def token_oidc(self, request: Request) -> Response:
        form = await self._token_form(request)
        grant, refusal = self._redeem(form, "oidc")
        if refusal is not None:
            status = 401 if refusal[0] == "invalid_client" else 400
            return JSONResponse({"error": refusal[0], "error_description": refusal[1]}, status_code=status)
        assert grant is not None
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.user
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3599,
                "scope": "openid email profile",
                "id_token": self._id_token(grant),
            }
        )

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.base_url,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "sub": grant.user.subject,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "nonce": grant.nonce,
            "email": grant.user.email,
            "email_verified": grant.user.email_verified,
        } | self.id_token_overrides
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = hmac.new(CLIENT_SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    async def userinfo(self, request: Request) -> Response:
        user = self._bearer_user(request)
        if user is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(
            {"sub": user.subject, "email": user.email, "email_verified": user.email_verified, "name": user.name}
        )

    # --- GitHub -----------------------------------------------------------------------------------

    async def authorize_github(self, request: Request) -> Response:
        return self._authorize(request, "github")

    async def token_github(self, request: Request) -> Response:
        """GitHub answers refusals with 200 and an `error` field, and JSON only when asked for it."""
        form = await self._token_form(request)
        grant, refusal = self._redeem(form, "github")
        if refusal is not None:
            body = {"error": refusal[0], "error_description": refusal[1]}
        else:
            assert grant is not None
            access_token = f"gho_{secrets.token_urlsafe(24)}"
            self.tokens[access_token] = grant.user
            body = {"access_token": access_token, "token_type": "bearer", "scope": "read:user,user:email"}
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(body)
        return PlainTextResponse(urlencode(body), media_type="application/x-www-form-urlencoded")

    async def github_user(self, request: Request) -> Response:
        user = self._bearer_user(request)
        if user is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse({"id": int(user.subject), "login": user.login, "name": user.name, "email": None})

    async def github_emails(self, request: Request) -> Response:
        user = self._bearer_user(request)
        if user is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        emails = [{"email": f"{user.login}@users.noreply.github.com", "primary": False, "verified": True}]
        if user.email:
            emails.insert(0, {"email": user.email, "primary": True, "verified": user.email_verified})
        return JSONResponse(emails)

    # --- shared checks ----------------------------------------------------------------------------

    def _authorize(self, request: Request, flavour: Flavour) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != CLIENT_ID or not redirect_uri.startswith(("http://", "https://")):
            return PlainTextResponse("unknown client or redirect_uri", status_code=400)
        back: dict[str, str] = {"state": params.get("state", "")}
        if self.refuse_with is not None:
            back |= {"error": self.refuse_with[0], "error_description": self.refuse_with[1]}
        elif params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) != 43:
            back |= {"error": "invalid_request", "error_description": "PKCE with S256 is required."}
        elif flavour == "oidc" and ("openid" not in params.get("scope", "").split() or not params.get("nonce")):
            back |= {"error": "invalid_request", "error_description": "scope openid and a nonce are required."}
        else:
            code = secrets.token_urlsafe(24)
            self.grants[code] = Grant(
                flavour=flavour,
                client_id=CLIENT_ID,
                redirect_uri=redirect_uri,
                code_challenge=params["code_challenge"],
                code_challenge_method="S256",
                nonce=params.get("nonce"),
                user=self.user,
            )
            back["code"] = code
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(back)}", status_code=302)

    async def _token_form(self, request: Request) -> dict[str, str]:
        form = await request.form()
        values = {key: value for key, value in form.items() if isinstance(value, str)}
        self.token_requests.append(values)
        return values

    def _redeem(self, form: dict[str, str], flavour: Flavour) -> tuple[Grant | None, tuple[str, str] | None]:
        """The grant a token request may redeem, or the OAuth error it earns. A presented code is
        spent whatever happens next, as RFC 6749 asks."""
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return None, ("invalid_client", "Client authentication failed.")
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.flavour != flavour or grant.used:
            return None, ("invalid_grant" if flavour == "oidc" else "bad_verification_code", "The code is not valid.")
        grant.used = True
        if form.get("redirect_uri") != grant.redirect_uri:
            return None, ("invalid_grant", "The redirect_uri does not match the authorization request.")
        if s256(form.get("code_verifier", "")) != grant.code_challenge:
            return None, ("invalid_grant", "PKCE verification failed: the code_verifier does not match.")
        return grant, None

    def _bearer_user(self, request: Request) -> ProviderUser | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        return self.tokens.get(header[7:].strip())


@asynccontextmanager
async def loopback_provider() -> AsyncIterator[LoopbackProvider]:
    provider = LoopbackProvider()
    async with live_server(provider.app()) as url:
        provider.base_url = url
        yield provider


async def authorize(authorize_url: str) -> str:
    """What the browser does at the provider: open the authorize URL, and answer the URL of the
    redirect back to Fairlx (the user consents at once)."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(authorize_url)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


async def start(api: httpx.AsyncClient, provider: str, return_to: str | None = None) -> httpx.Response:
    params = {"return_to": return_to} if return_to is not None else {}
    started = await api.get(f"/api/v1/auth/oauth/{provider}/start", params=params)
    assert started.status_code == 302, started.text
    return started


async def sign_in_with(api: httpx.AsyncClient, provider: str, return_to: str | None = None) -> httpx.Response:
    """The whole round trip in `api`'s browser: start, consent at the provider, and the callback's answer."""
    started = await start(api, provider, return_to)
    callback = await authorize(started.headers["location"])
    return await api.get(callback)
