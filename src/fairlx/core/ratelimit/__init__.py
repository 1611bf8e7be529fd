"""Rate limits: named presets, applied per identity over a sliding window, by the middleware and by
services (login attempts per account, for instance)."""

from __future__ import annotations

from fairlx.core.ratelimit.limiter import RateLimiter, RateLimitResult, build_rate_limiter
from fairlx.core.ratelimit.presets import PRESET_LIMITS, Preset

__all__ = ["PRESET_LIMITS", "Preset", "RateLimitResult", "RateLimiter", "build_rate_limiter"]
