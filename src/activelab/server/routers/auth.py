"""Login, logout, the current user, API tokens and user management."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from ..deps import (
    SESSION_USER_KEY,
    AdminUser,
    CurrentUser,
    PathId,
    SessionDep,
    WriteSessionDep,
)
from ..models import ApiToken, User
from ..schemas import LoginIn, TokenIn, TokenOut, UserIn, UserOut
from ..services.users import authenticate, create_token, create_user, delete_token

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/login", response_model=UserOut)
def login(body: LoginIn, request: Request, session: SessionDep) -> User:
    user = authenticate(session, body.username, body.password)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return user


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> None:
    request.session.clear()


@router.get("/auth/me", response_model=UserOut)
def me(user: CurrentUser) -> User:
    return user


@router.get("/auth/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                           .order_by(ApiToken.id))
    return [TokenOut(id=row.id, name=row.name, created_at=row.created_at) for row in rows]


@router.post("/auth/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED)
def new_token(body: TokenIn, user: CurrentUser, session: WriteSessionDep) -> TokenOut:
    row, token = create_token(session, user, body.name)
    session.commit()
    return TokenOut(id=row.id, name=row.name, token=token, created_at=row.created_at)


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: PathId, user: CurrentUser, session: WriteSessionDep) -> None:
    delete_token(session, user, token_id)
    session.commit()


@router.get("/users", response_model=list[UserOut])
def list_users(_: AdminUser, session: SessionDep) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def add_user(body: UserIn, _: AdminUser, session: WriteSessionDep) -> User:
    user = create_user(session, body.username, body.password, body.role)
    session.commit()
    return user
