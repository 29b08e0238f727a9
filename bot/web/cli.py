"""``binhan staff add [TELEGRAM_ID] --web LOGIN``: a console account and its one-time link."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from bot.config import Settings
from bot.crypto import Secrets
from bot.storage import SqliteUnitOfWork, WebAccountRepository
from bot.storage.console import PushSubscriptions
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


async def remove_web_account(uow: SqliteUnitOfWork, secrets: Secrets, args: argparse.Namespace,
                             now: dt.datetime) -> int:
    """Offboarding: the console account (its sessions end at once), and the Telegram
    registration when an id is given too."""
    login = (args.web or "").strip().lower()
    if not login:
        print("give a Telegram user id, --web LOGIN, or both", file=sys.stderr)
        return 2
    if not await WebAccountRepository(uow.store).remove(login):
        print("no such console account", file=sys.stderr)
        return 1
    await PushSubscriptions(uow.store).forget_login(login)  # their phones stop ringing too
    if args.user_id is not None:
        await uow.staff.remove(secrets.hash_id("staff", args.user_id))
    await uow.audit.record("admin (cli)", "web_account_remove", now)
    print("removed")
    return 0


async def web_accounts(uow: SqliteUnitOfWork) -> list[dict[str, object]]:
    """Console accounts for ``binhan staff list``: no secrets, whether set up or waiting."""
    return [{"web": a.login, "role": a.role, "name": a.name,
             "ready": a.password_hash is not None}
            for a in await WebAccountRepository(uow.store).all()]
