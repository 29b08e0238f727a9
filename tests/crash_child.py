"""A pre-loaded parent for the crash test: it imports Bình An and loads the knowledge base once,
then forks a fresh ``binhan run`` (``bot.runner.serve``) each time it reads "fork ENV-JSON" on
stdin and prints the child's pid. The child takes ENV-JSON as its environment, so its settings
come from the environment as for ``binhan run``. The test kills children with SIGKILL; forking
skips the seconds of start-up a new interpreter would cost, so twenty kills fit in seconds.

The parent also warms up what a process otherwise does on its first message: triage loads its
lexicon and model (about 3 s), and the first HTTP request fills Python's ABC instance-check
caches (about 0.4 s). Without this, every child spent its short life loading and no kill ever
landed while a child was processing; warm, a child is up in about 0.1 s and answers at once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys

import telegram

from bot.config import load_settings
from bot.runner import serve
from handlers.catalogue import default_catalogue
from handlers.triage import triage
from handlers.understanding import read
from knowledge.search import default_search


def child(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    settings = load_settings()

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await serve(settings, stop)

    try:
        asyncio.run(main())
    finally:
        os._exit(0)


def reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


async def warm_up() -> None:
    """One request through python-telegram-bot's HTTP stack (refused: nothing listens on the
    discard port), so the caches it fills are inherited by every child."""
    bot = telegram.Bot("0:warm-up", base_url="http://127.0.0.1:9/bot")
    with contextlib.suppress(telegram.error.TelegramError, OSError):
        await bot.get_me()


def main() -> None:
    search = default_search()
    default_catalogue()
    for text in ("xin chào", "cuu em voi ck em dang danh em, em o ha noi"):
        triage(text)
        read(text, search.resolver)
    asyncio.run(warm_up())
    print("ready", flush=True)
    for line in sys.stdin:
        reap()
        command, _, env = line.partition(" ")
        if command == "fork":
            pid = os.fork()
            if pid == 0:
                sys.stdin.close()
                child(json.loads(env))
            print(pid, flush=True)
    reap()


if __name__ == "__main__":
    main()
