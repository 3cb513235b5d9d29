"""Request and response bodies of account management: passwords, sessions, user changes.

Strict types: ``"yes"`` is not a boolean and ``1`` is not a password.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from .models import Role

__all__ = ["PasswordChangeIn", "PasswordResetIn", "UserPatch", "SessionOut", "Password"]

#: A new password: the same bounds as when an admin creates a user.
Password = Annotated[StrictStr, Field(min_length=8, max_length=256)]


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: StrictStr = Field(max_length=256)
    new_password: Password


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: Password


class UserPatch(BaseModel):
    """An admin's change to a user: deactivate or reactivate, or change the role."""

    model_config = ConfigDict(extra="forbid")

    is_active: StrictBool | None = None
    role: Role | None = None


class SessionOut(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    address: str
    current: bool = Field(description="the session of this request")
