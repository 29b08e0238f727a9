"""``binhan staff add/list/remove --web``: the one-time link, the listing (no secrets) and
offboarding that ends the person's sessions at once, through the real command line."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.crypto import Secrets
from bot.storage import Store, WebAccountRepository, WebSessionRepository
from bot.web.accounts import setup_hash
from tests.conversation import SECRET


def binhan(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "s.db"), "SECRET_KEY": SECRET,
           "WEB_PUBLIC_URL": "https://staff.example.org"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


async def test_add_list_and_remove_console_accounts(tmp_path: Path) -> None:
    added = binhan(tmp_path, "staff", "add", "--web", "Hoa", "--name", "Hoa", "--role",
                   "supervisor")
    assert added.returncode == 0, added.stderr
    link = re.search(r"https://staff\.example\.org/setup/(\S+)", added.stdout)
    assert link
    assert binhan(tmp_path, "staff", "add", "--web", "bad login!").returncode == 2
    assert binhan(tmp_path, "staff", "add").returncode == 2

    store = await Store(tmp_path / "s.db", Secrets(SECRET)).open()
    now = dt.datetime.now(dt.UTC)
    async with store.unit_of_work() as uow:  # the link's token is stored hashed only
        record = await WebAccountRepository(uow.store).by_setup(
            setup_hash(store.secrets, link.group(1)), now)
        assert record is not None and record.login == "hoa" and record.role == "supervisor"
        await WebSessionRepository(uow.store).create("session-hash", "hoa", "csrf",
                                                     now + dt.timedelta(hours=1))
        await uow.commit()
    await store.close()
    assert link.group(1) not in (tmp_path / "s.db").read_bytes().decode("latin-1")

    listed = [json.loads(line) for line in binhan(tmp_path, "staff", "list").stdout.split("\n")
              if line]
    assert listed == [{"web": "hoa", "role": "supervisor", "name": "Hoa", "ready": False}]

    assert binhan(tmp_path, "staff", "remove", "--web", "hoa").returncode == 0
    assert binhan(tmp_path, "staff", "remove", "--web", "hoa").returncode == 1
    store = await Store(tmp_path / "s.db", Secrets(SECRET)).open()
    async with store.unit_of_work() as uow:
        assert await WebSessionRepository(uow.store).get("session-hash", now) is None
        actions = [e["action"] for e in await uow.audit.entries()]
    await store.close()
    assert actions == ["web_account_add:supervisor", "web_account_remove"]
