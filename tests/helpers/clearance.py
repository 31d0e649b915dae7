"""Giving example users a 密级 clearance, as an admin would on the admin page."""

from __future__ import annotations

from sqlalchemy import select

from services.domain.models import User
from services.runtime import Runtime


def clear(runtime: Runtime, level: str, *usernames: str) -> None:
    with runtime.context() as ctx:
        for user in ctx.session.scalars(select(User).where(User.username.in_(usernames))):
            user.clearance = level
