"""The HTTP side of signing in with Google (OpenID Connect) and GitHub (OAuth 2.0): the authorize URL,
the code exchange with its PKCE verifier, and the profile the provider vouches for.

Every call has a timeout. A provider that cannot be reached or answers nonsense is a 503; one that
refuses (a wrong code or verifier, a revoked token) is a 403 carrying its own words. Google's endpoints
come from its discovery document, kept in the shared cache for an hour. The ID token is taken from the
token endpoint's TLS answer, so its claims are checked without verifying its signature (OpenID Connect
Core 3.1.3.7).
"""

from __future__ import annotations

import base64
import binascii
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Forbidden, ServiceUnavailable
from fairlx.core.security.tokens import same_secret, token_digest
from fairlx.oauth.models import Provider
from fairlx.settings import Settings

log = structlog.get_logger(__name__)

LABELS = {Provider.GOOGLE: "Google", Provider.GITHUB: "GitHub"}
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DISCOVERY_TTL_SECONDS = 3600
MAX_PROVIDER_MESSAGE = 300
USER_AGENT = "Fairlx"


@dataclass(frozen=True)
class ProviderProfile:
    """Who the provider says signed in: a stable subject, and the email when it shares one."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


@dataclass(frozen=True)
class AuthorizationRequest:
    redirect_uri: str
    state: str
    code_challenge: str
    nonce: str


class ProviderAdapter(ABC):
    provider: Provider
    scope: str

    def __init__(self, settings: Settings, cache: Cache) -> None:
        self.settings = settings
        self.cache = cache

    @property
    def label(self) -> str:
        return LABELS[self.provider]

    @property
    @abstractmethod
    def client_id(self) -> str: ...

    @property
    @abstractmethod
    def client_secret(self) -> str: ...

    @abstractmethod
    async def authorize_url(self, request: AuthorizationRequest) -> str:
        """Where to send the browser; may read the provider's metadata (never inside a transaction)."""

    @abstractmethod
    async def fetch_profile(self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> ProviderProfile:
        """Trade the code (with its PKCE verifier) for a token, and read who signed in."""

    def _authorize_params(self, request: AuthorizationRequest) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": request.redirect_uri,
            "scope": self.scope,
            "state": request.state,
            "code_challenge": request.code_challenge,
            "code_challenge_method": "S256",
        }

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False, headers={"user-agent": USER_AGENT})

    def unavailable(self, reason: str, **context: Any) -> ServiceUnavailable:
        log.warning("oauth_provider_unavailable", provider=self.provider.value, reason=reason, **context)
        return ServiceUnavailable(
            "oauth_provider_unavailable",
            f"{self.label} did not answer as expected; try again in a moment.",
        )

    def refused(self, code: str, what: str, message: str | None = None) -> Forbidden:
        said = f" {self.label} said: {clip(message)}" if message else ""
        return Forbidden(code, f"{what}{said}")

    async def _send(self, client: httpx.AsyncClient, method: str, url: str, **options: Any) -> httpx.Response:
        try:
            return await client.request(method, url, **options)
        except httpx.HTTPError as error:
            raise self.unavailable("transport", url=url, error=type(error).__name__) from error

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise self.unavailable("not_json", url=str(response.url), status=response.status_code) from error

    async def _get_json(self, client: httpx.AsyncClient, url: str, access_token: str | None = None) -> Any:
        headers = {"accept": "application/json"}
        if access_token is not None:
            headers["authorization"] = f"Bearer {access_token}"
        response = await self._send(client, "GET", url, headers=headers | self._api_headers())
        if response.status_code in (401, 403):
            raise self.refused(
                "oauth_profile_refused", f"{self.label} did not let us read your profile; try again.", _said(response)
            )
        if response.status_code != 200:
            raise self.unavailable("status", url=url, status=response.status_code)
        return self._json(response)

    def _api_headers(self) -> dict[str, str]:
        return {}

    async def _exchange(self, client: httpx.AsyncClient, url: str, form: dict[str, str]) -> dict[str, Any]:
        """POST the code to the token endpoint; the answer's `access_token` is checked to be there."""
        response = await self._send(client, "POST", url, data=form, headers={"accept": "application/json"})
        if response.status_code >= 500:
            raise self.unavailable("status", url=url, status=response.status_code)
        body = self._json(response)
        if not isinstance(body, dict):
            raise self.unavailable("shape", url=url)
        if response.status_code != 200 or "error" in body:
            message = str(body.get("error_description") or body.get("error") or f"HTTP {response.status_code}")
            log.info("oauth_exchange_refused", provider=self.provider.value, error=body.get("error"))
            raise self.refused("oauth_exchange_failed", f"{self.label} did not accept the sign-in.", message)
        if not isinstance(body.get("access_token"), str):
            raise self.unavailable("no_access_token", url=url)
        return body


class GoogleAdapter(ProviderAdapter):
    """Google, or any OpenID Connect issuer configured in its place."""

    provider = Provider.GOOGLE
    scope = "openid email profile"

    @property
    def issuer(self) -> str:
        return self.settings.oauth_google_issuer.rstrip("/")

    @property
    def client_id(self) -> str:
        return self.settings.oauth_google_client_id or ""

    @property
    def client_secret(self) -> str:
        secret = self.settings.oauth_google_client_secret
        return secret.get_secret_value() if secret else ""

    async def discovery(self, client: httpx.AsyncClient | None = None) -> dict[str, str]:
        """The issuer's endpoints from `/.well-known/openid-configuration`, cached."""
        key = f"oauth:discovery:{token_digest(self.issuer)}"
        cached = await self.cache.get_json(key)
        if isinstance(cached, dict):
            return {str(name): str(value) for name, value in cached.items()}
        url = f"{self.issuer}/.well-known/openid-configuration"
        if client is None:
            async with self._client() as own_client:
                document = await self._get_json(own_client, url)
        else:
            document = await self._get_json(client, url)
        fields = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint")
        if not isinstance(document, dict) or not all(isinstance(document.get(name), str) for name in fields):
            raise self.unavailable("discovery_shape", url=url)
        if document["issuer"].rstrip("/") != self.issuer:
            raise self.unavailable("discovery_issuer", url=url, issuer=document["issuer"])
        endpoints = {name: str(document[name]) for name in fields}
        await self.cache.set_json(key, endpoints, DISCOVERY_TTL_SECONDS)
        return endpoints

    async def authorize_url(self, request: AuthorizationRequest) -> str:
        endpoints = await self.discovery()
        params = self._authorize_params(request) | {"nonce": request.nonce}
        return str(httpx.URL(endpoints["authorization_endpoint"]).copy_merge_params(params))

    async def fetch_profile(self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> ProviderProfile:
        async with self._client() as client:
            endpoints = await self.discovery(client)
            tokens = await self._exchange(
                client,
                endpoints["token_endpoint"],
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "code_verifier": code_verifier,
                },
            )
            claims = self.checked_claims(tokens.get("id_token"), nonce)
            info = await self._get_json(client, endpoints["userinfo_endpoint"], tokens["access_token"])
        if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
            raise self.refused("oauth_id_token_invalid", f"{self.label}'s answer did not hold together; try again.")
        email = info.get("email", claims.get("email"))
        verified = info.get("email_verified", claims.get("email_verified"))
        name = info.get("name")
        return ProviderProfile(
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            email_verified=verified is True or verified == "true",
            name=name if isinstance(name, str) else None,
        )

    def checked_claims(self, id_token: object, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its issuer, audience, expiry and nonce check out."""
        claims = jwt_claims(id_token)
        invalid = self.refused("oauth_id_token_invalid", f"{self.label}'s sign-in answer was not valid; try again.")
        if claims is None or not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise invalid
        issuer = str(claims.get("iss", "")).rstrip("/")
        if issuer not in {self.issuer, self.issuer.removeprefix("https://")}:
            raise invalid
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != self.client_id):
            raise invalid
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires <= utcnow().timestamp():
            raise invalid
        if not same_secret(str(claims.get("nonce", "")), nonce):
            raise invalid
        return claims


class GitHubAdapter(ProviderAdapter):
    """GitHub.com, or a GitHub Enterprise server configured in its place."""

    provider = Provider.GITHUB
    scope = "read:user user:email"

    @property
    def client_id(self) -> str:
        return self.settings.oauth_github_client_id or ""

    @property
    def client_secret(self) -> str:
        secret = self.settings.oauth_github_client_secret
        return secret.get_secret_value() if secret else ""

    @property
    def web_url(self) -> str:
        return self.settings.oauth_github_url.rstrip("/")

    @property
    def api_url(self) -> str:
        return self.settings.oauth_github_api_url.rstrip("/")

    def _api_headers(self) -> dict[str, str]:
        return {"accept": "application/vnd.github+json", "x-github-api-version": "2022-11-28"}

    async def authorize_url(self, request: AuthorizationRequest) -> str:
        url = httpx.URL(f"{self.web_url}/login/oauth/authorize")
        return str(url.copy_merge_params(self._authorize_params(request)))

    async def fetch_profile(self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> ProviderProfile:
        async with self._client() as client:
            tokens = await self._exchange(
                client,
                f"{self.web_url}/login/oauth/access_token",
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "code_verifier": code_verifier,
                },
            )
            user = await self._get_json(client, f"{self.api_url}/user", tokens["access_token"])
            emails = await self._get_json(client, f"{self.api_url}/user/emails", tokens["access_token"])
        if not isinstance(user, dict) or not isinstance(user.get("id"), int | str) or not isinstance(emails, list):
            raise self.unavailable("profile_shape", url=self.api_url)
        primary = next((entry for entry in emails if isinstance(entry, dict) and entry.get("primary") is True), None)
        email = primary.get("email") if primary else None
        name = user.get("name") or user.get("login")
        return ProviderProfile(
            subject=str(user["id"]),
            email=email if isinstance(email, str) and email else None,
            email_verified=bool(primary and primary.get("verified") is True),
            name=name if isinstance(name, str) else None,
        )


ADAPTERS: dict[Provider, type[ProviderAdapter]] = {Provider.GOOGLE: GoogleAdapter, Provider.GITHUB: GitHubAdapter}


def adapter_for(provider: Provider, settings: Settings, cache: Cache) -> ProviderAdapter:
    return ADAPTERS[provider](settings, cache)


def jwt_claims(token: object) -> dict[str, Any] | None:
    """The payload of a compact JWT, or None when it is not one."""
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def clip(message: str | None) -> str:
    text = " ".join((message or "").split())
    return text if len(text) <= MAX_PROVIDER_MESSAGE else f"{text[: MAX_PROVIDER_MESSAGE - 1]}…"


def _said(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(body, dict):
        message = body.get("error_description") or body.get("message") or body.get("error")
        return str(message) if message else None
    return None
