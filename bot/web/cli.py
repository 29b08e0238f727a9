"""``binhan staff add [TELEGRAM_ID] --web LOGIN``: a console account and its one-time link."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from bot.config import Settings
from bot.crypto import Secrets
from bot.storage import SqliteUnitOfWork
from bot.web.accounts import Role, create_account, setup_link, valid_login
from bot.web.app import public_url


async def add_web_account(uow: SqliteUnitOfWork, secrets: Secrets, settings: Settings,
                          args: argparse.Namespace, now: dt.datetime) -> int:
    """Register the account (and the Telegram staff member, when an id is given); print the
    setup link. The exit code on a mistake, 0 when done (the caller commits)."""
    login = (args.web or "").strip().lower()
    if not valid_login(login):
        print("give --web LOGIN: 2-32 letters, digits, '.', '_' or '-'", file=sys.stderr)
        return 2
    name = args.name or login
    if args.user_id is not None:
        await uow.staff.add(secrets.hash_id("staff", args.user_id), args.user_id, args.role,
                            name, now)
        await uow.audit.record("admin (cli)", f"staff_add:{args.role}", now, detail=name)
    token = await create_account(uow, secrets, login, name, Role.parse(args.role),
                                 dt.timedelta(hours=settings.web_setup_hours), now,
                                 telegram_id=args.user_id)
    print(f"added {name} as {args.role} on the web console")
    print(f"one-time setup link (valid {settings.web_setup_hours} h, give it only to them):")
    print(setup_link(public_url(settings), token))
    if not settings.web_listen:
        print("note: WEB_LISTEN is not set, so `binhan run` does not serve the console yet",
              file=sys.stderr)
    return 0
