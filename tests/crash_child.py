"""A pre-loaded parent for the crash test: it imports Bình An and loads the knowledge base once,
then forks a fresh ``binhan run`` (``bot.runner.serve``) each time it reads "fork ENV-JSON" on
stdin and prints the child's pid. The child takes ENV-JSON as its environment, so its settings
come from the environment as for ``binhan run``. The test kills children with SIGKILL; forking
skips the seconds of start-up a new interpreter would cost, so twenty kills fit in seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys

from bot.config import load_settings
from bot.runner import serve
from handlers.catalogue import default_catalogue
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


def main() -> None:
    default_search()
    default_catalogue()
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
