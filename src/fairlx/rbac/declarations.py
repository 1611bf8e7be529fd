"""What each route declares about who may call it. The declaration rides on the route's dependency, so
the route table says it and the authorization matrix test can read it: a route without one fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from fairlx.rbac.permissions import Permission

DECLARATION = "__rbac_declaration__"
Fn = TypeVar("Fn", bound=Callable[..., Any])


class Requirement(StrEnum):
    ANYONE = "anyone"  # signed-out visitors too (sign-in forms, health checks, the landing page)
    SIGNED_IN = "signed_in"  # any signed-in user, acting on their own account
    PERMISSION = "permission"  # a permission on the resource named by a path parameter


@dataclass(frozen=True)
class Declaration:
    requirement: Requirement
    permission: Permission | None = None
    resource: type[Any] | None = None
    path_parameter: str | None = None


def declare(function: Fn, declaration: Declaration) -> Fn:
    setattr(function, DECLARATION, declaration)
    return function


def declaration_of(function: Callable[..., Any]) -> Declaration | None:
    found: Declaration | None = getattr(function, DECLARATION, None)
    return found
