"""The terminal channel: the whole conversation in a terminal, no token, no configuration.

Choices are numbered (type the number or the words), ``/location LAT LON`` shares a location, and
staff alerts are printed in a box of their own so nobody mistakes them for the conversation.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import TextIO

from bot.alerts import AlertDispatcher
from bot.bootstrap import open_core
from bot.config import Settings
from bot.staff_channels import FanOut, StaffChannel
from bot.web.demo import start_demo_console
from handlers.events import (
    Command,
    DeleteHistory,
    Inbound,
    Location,
    Message,
    Reply,
    Text,
    ToStaff,
)
from handlers.staff import Alert

BANNER = (
    "Bình An · terminal chat. Type a message and press Enter. Numbers pick a choice.\n"
    "/location LAT LON shares a location · /x quick exit · /quit closes this terminal.\n"
)


class ConsoleNotifier:
    """Shows staff alerts in the terminal, set apart from the conversation."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def notify(self, uow: object, alert: Alert, text: str) -> None:
        lines = text.splitlines()
        width = max(len(line) for line in lines) + 4
        rule = "!" * width
        self.out.write(f"\n{rule}\n  [STAFF ALERT]\n")
        for line in lines:
            self.out.write(f"  {line}\n")
        self.out.write(f"{rule}\n\n")
        self.out.flush()


def parse(line: str) -> Inbound | None:
    """A typed line as a core event; None for ``/quit``."""
    stripped = line.strip()
    if stripped.startswith("/"):
        name, _, args = stripped[1:].partition(" ")
        name = name.lower()
        if name in ("quit", "q"):
            return None
        if name == "location":
            parts = args.replace(",", " ").split()
            try:
                return Location(float(parts[0]), float(parts[1]))
            except (IndexError, ValueError):
                return Text(stripped)
        return Command(name, args.strip())
    return Text(line.rstrip("\n"))


def render(reply: Reply, out: TextIO) -> None:
    for output in reply.outputs:
        if isinstance(output, ToStaff):
            continue  # no staff in the terminal chat
        if isinstance(output, DeleteHistory):
            if out.isatty():
                out.write("\033[2J\033[3J\033[H")
            out.write("[conversation cleared]\n")
            continue
        assert isinstance(output, Message)
        out.write(f"\nBình An: {output.text}\n")
        for number, option in enumerate(output.options, start=1):
            out.write(f"   {number}. {option.label}\n")
        if output.ask_location:
            out.write("   (/location LAT LON to share a location)\n")
    out.flush()


async def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    core = await open_core(settings)  # the same bootstrap as binhan run
    secrets, store, catalogue, engine = core.secrets, core.store, core.catalogue, core.engine
    search = engine.search
    out.write(BANNER)
    # -- the staff web console beside the terminal: alerts go to both (bot.web.demo) --------
    web = await start_demo_console(store, secrets, search.gazetteer, settings, out)
    staff = FanOut([StaffChannel("terminal", ConsoleNotifier(out)),
                    StaffChannel("web", web.notifier)])
    dispatcher = AlertDispatcher(store, staff, catalogue, search.gazetteer)
    key = secrets.hash_id("console", getpass.getuser())
    out.flush()
    try:
        while True:
            if out.isatty():
                out.write("> ")
                out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            event = parse(line)
            if event is None:
                break
            await engine.expire_idle()
            reply = await engine.handle(key, "console", event)
            if reply is not None:
                render(reply, out)
            await dispatcher.deliver_due()
    finally:
        await web.stop()
        await store.close()
    return 0


def main(settings: Settings) -> int:
    try:
        return asyncio.run(run_console(settings, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        return 0
