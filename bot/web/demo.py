"""The console beside the terminal chat (``make run``): a newcomer types a danger message in the
terminal and watches the alert arrive in the browser.

It listens on localhost only, with a demo admin account whose one-time setup link is printed in
the terminal (the same setup as a real account: a password and an authenticator app).
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from bot.config import Settings
from bot.crypto import Secrets
from bot.storage import Store, WebAccountRepository
from bot.web.accounts import Role, create_account, setup_link
from bot.web.app import WebConfig, WebConsole
from knowledge.gazetteer import Gazetteer

DEMO_LOGIN = "demo"
DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8765


async def start_demo_console(store: Store, secrets: Secrets, gazetteer: Gazetteer,
                             settings: Settings, out: TextIO) -> WebConsole:
    console = WebConsole(store, secrets, gazetteer,
                         WebConfig(secure_cookies=False,  # plain HTTP on localhost only
                                   default_language=settings.default_language))
    try:
        await console.start(DEMO_HOST, DEMO_PORT)
    except OSError:  # the port is taken (another terminal chat): any free one
        await console.start(DEMO_HOST, 0)
    base = f"http://{DEMO_HOST}:{console.port}"
    now = dt.datetime.now(dt.UTC)
    async with store.unit_of_work() as uow:
        account = await WebAccountRepository(uow.store).get(DEMO_LOGIN)
        token = None
        if account is None or account.password_hash is None:
            token = await create_account(uow, secrets, DEMO_LOGIN, "Demo", Role.ADMIN,
                                         dt.timedelta(hours=24), now)
        await uow.commit()
    if token:
        out.write(f"Staff console (demo): open {setup_link(base, token)}\n"
                  f"  one-time link: choose a password, add the key to an authenticator app,\n"
                  f"  then log in as '{DEMO_LOGIN}'. Alerts from this chat appear there live.\n")
    else:
        out.write(f"Staff console (demo): {base}/login as '{DEMO_LOGIN}'. "
                  "Alerts from this chat appear there live.\n")
    out.flush()
    return console
