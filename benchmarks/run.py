"""Bình An's benchmarks: ``make bench`` (or ``python -m benchmarks.run [--smoke] [--out FILE]``).

Every comparison runs side by side in the same process and the same run, because absolute times
on a shared machine drift. Figures go to ``docs/benchmarks.md`` with the machine, versions, date
and method. Nothing here is asserted: the tests assert behaviour, this reports speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from benchmarks.crash import crash_section, splice
from bot.alerts import AlertDispatcher
from bot.inbound import PriorityGate
from bot.sender import Pacing
from bot.staff_channels import FanOut, StaffChannel
from handlers.catalogue import default_catalogue
from handlers.staff import Alert
from knowledge.directory import Directory
from knowledge.gazetteer import default_gazetteer
from knowledge.models import Need, Service
from knowledge.search import ServiceSearch
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.telegram_harness import RunningBot

SCRIPT = ["/start", "tap:support", "tap:adult", "tap:need:shelter", "em o ha noi", "tap:talk",
          "tap:yes", "tap:way:chat", "tap:time:any", "tap:skip"]
CRASH_FULL, CRASH_SMOKE = (100, 150), (2, 10)  # kills and people per door (§7)
FAST = Pacing(per_chat_interval=0.0, per_second=100_000, idle_poll=0.01)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(value: float) -> str:
    """Milliseconds; below 1 ms with three decimals, so a fast figure never reads as 0.0."""
    millis = value * 1000
    return f"{millis:.3f} ms" if millis < 1 else f"{millis:.1f} ms"


# -- 1. full stack ---------------------------------------------------------------------------
async def _drive(fake: FakeTelegram, people: int, wait_reply: Any,
                 first_chat: int = 100_000) -> tuple[float, list[float], float]:
    """Each person walks the script; one step at a time per person, all people concurrently.
    Latency: from the update's delivery to the bot's first message in that chat after it.
    Returns the wall time, the latencies and the process's CPU time (all threads: the bot's,
    the database thread's and the fake's, which both bots share)."""
    latencies: list[float] = []

    async def person(chat: int) -> None:
        for step in SCRIPT:
            before = len(fake.bot_messages(chat))
            start = time.perf_counter()
            if step.startswith("tap:"):
                data = f"1|{step[4:]}"
                target = next((m for m in reversed(fake.bot_messages(chat))
                               if any(b.get("callback_data") == data
                                      for row in (m.get("reply_markup") or {}).get(
                                          "inline_keyboard", []) for b in row)), None)
                if target is None:
                    await fake.user_sends(chat, text=step[4:])
                else:
                    await fake.user_taps(chat, target["message_id"], data)
            else:
                await fake.user_sends(chat, text=step)
            await wait_reply(chat, before)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(person(first_chat + i) for i in range(people)))
    return time.perf_counter() - start, latencies, time.process_time() - cpu


async def _warm_up(fake: FakeTelegram) -> None:
    """One person walks the script untimed first, for both bots: what a process loads on first
    use (the language models, the triage lexicon, PTB's lazy imports) is a cost per process,
    not per update, and it would land on the measured updates of whichever bot ran first."""
    await _drive(fake, 1, lambda chat, n: _until_more(fake, chat, n), first_chat=90_000)


async def _until_more(fake: FakeTelegram, chat: int, before: int) -> None:
    await fake.next_bot_message(chat, before)


async def full_stack(people: int) -> dict[str, float]:
    fake = FakeTelegram()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            bot = RunningBot(fake, Path(folder) / "b.db", FAST,
                             engine_config={"flood_burst": 1000})
            async with bot:
                await _warm_up(fake)
                wall, lat, cpu = await _drive(fake, people,
                                              lambda chat, n: _until_more(fake, chat, n))
    finally:
        await fake.stop()
    return {"updates": people * len(SCRIPT), "wall": wall, "cpu": cpu, "p50": pct(lat, 50),
            "p95": pct(lat, 95), "p99": pct(lat, 99)}


async def echo_floor(people: int) -> dict[str, float]:
    """A minimal python-telegram-bot echo bot on the same fake, driven the same way."""
    fake = FakeTelegram()
    await fake.start()
    app = Application.builder().token(TOKEN).base_url(fake.url).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat.id  # type: ignore[union-attr]
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(chat, update.effective_message.text or "ok")  # type: ignore[union-attr]

    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(echo))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=10)  # type: ignore[union-attr]
    try:
        await _warm_up(fake)
        wall, lat, cpu = await _drive(fake, people,
                                      lambda chat, n: _until_more(fake, chat, n))
    finally:
        await app.updater.stop()  # type: ignore[union-attr]
        await app.stop()
        await app.shutdown()
        await fake.stop()
    return {"updates": people * len(SCRIPT), "wall": wall, "cpu": cpu, "p50": pct(lat, 50),
            "p95": pct(lat, 95), "p99": pct(lat, 99)}


# -- 2. spike with urgent cases --------------------------------------------------------------
class FifoGate(PriorityGate):
    """The baseline: the same gate, but everyone waits in arrival order."""

    def slot(self, urgent: bool):  # type: ignore[no-untyped-def]
        return super().slot(False)


ON_CALL = (7001, 7002, 7003)  # on-call staff with a private chat with the bot


class FirstSeen:
    """A staff channel that notes when each case's alert first reached it (the console)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def notify(self, uow: object, alert: Alert, text: str) -> None:
        self.at.setdefault(alert.code, time.monotonic())


def _alert_code(text: str) -> str | None:
    """The case code in an urgent alert's text ("... KHẨN CẤP · CODE ...")."""
    if "KHẨN CẤP" not in text or "·" not in text:
        return None
    return text.split("·")[1].split()[0]


async def spike(people: int, urgent: int, fifo: bool) -> dict[str, Any]:
    fake = FakeTelegram()
    await fake.start()
    fake.enforce_limits = True
    group = -100_424_242
    fake.chat(group, "supergroup")
    for user in ON_CALL:
        fake.chat(user)
    pacing = Pacing(idle_poll=0.02)  # the production pacing
    try:
        with tempfile.TemporaryDirectory() as folder:
            bot = RunningBot(fake, Path(folder) / "s.db", pacing, staff_chat_id=group,
                             engine_config={"flood_burst": 1000})
            async with bot:
                if fifo:  # first-in-first-out all the way: no inbound or outbound priority
                    bot.channel.sender.fifo = True
                    bot.channel.inbound = FifoGate()
                now = dt.datetime.now(dt.UTC)
                async with bot.store.unit_of_work() as uow:
                    for user in ON_CALL:
                        key = bot.secrets.hash_id("staff", user)
                        await uow.staff.add(key, user, "staff", f"Staff {user}", now)
                        await uow.oncall.set(key, True, now)
                    await uow.commit()
                console = FirstSeen()
                staff = FanOut([StaffChannel("telegram", bot.channel.desk),
                                StaffChannel("web", console)])
                dispatcher = AlertDispatcher(bot.store, staff, default_catalogue(),
                                             default_gazetteer())

                # as binhan run does: woken by each commit that writes an alert
                loop = asyncio.create_task(dispatcher.run(after=bot.channel.sender.wake))
                chats = list(range(200_000, 200_000 + people))
                urgent_chats = set(random.Random(7).sample(chats, urgent))
                sent_at: dict[int, float] = {}  # time.monotonic(), the fake's clock
                start = time.monotonic()
                for i, chat in enumerate(chats):  # all within about two seconds
                    text = "cuu toi, no dang danh toi" if chat in urgent_chats else "xin chao"
                    sent_at[chat] = time.monotonic()
                    await fake.user_sends(chat, text=text)
                    if i % 50 == 49:
                        await asyncio.sleep(0.1)
                staff_chats = (group, *ON_CALL)
                deadline = time.monotonic() + 600
                while any(not fake.bot_messages(c) for c in chats) or any(
                        len(fake.bot_messages(c)) < urgent for c in staff_chats):
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.05)
                total = time.monotonic() - start
                limited = bot.channel.sender.stats.rate_limited
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
                async with bot.store.unit_of_work() as uow:
                    rows = await uow.store.db.execute_fetchall(
                        "SELECT conversation, code FROM cases")
                code_of = {conversation: code for conversation, code in rows}
    finally:
        await fake.stop()
    sends = [c for c in fake.calls if c.method == "sendMessage" and c.ok]
    first_in: dict[str, dict[int, float]] = {}  # code -> staff chat -> first accepted copy
    for call in sends:
        chat = int(call.params["chat_id"])
        code = _alert_code(call.params.get("text", "")) if chat in staff_chats else None
        if code is not None:
            first_in.setdefault(code, {}).setdefault(chat, call.at)
    reply_delay, alert_delay, telegram_delay, group_delay = [], [], [], []
    for chat in urgent_chats:
        first = next(c.at for c in sends if int(c.params["chat_id"]) == chat)
        reply_delay.append(first - sent_at[chat])
        code = code_of.get(bot.secrets.hash_id("telegram", chat))
        copies = first_in.get(code or "", {})
        reached = [*copies.values(), *([console.at[code]] if code in console.at else [])]
        if reached:  # the first staff channel that has it: any chat, or the console
            alert_delay.append(min(reached) - sent_at[chat])
        if copies:
            telegram_delay.append(min(copies.values()) - sent_at[chat])
        if group in copies:
            group_delay.append(copies[group] - sent_at[chat])
    copies_per_chat = {chat: sum(1 for c in first_in.values() if chat in c)
                       for chat in staff_chats}
    lost = sum(1 for c in chats if not fake.bot_messages(c))
    nan = float("nan")
    return {"total": total, "reply_p50": pct(reply_delay, 50), "reply_max": max(reply_delay),
            "alert_p50": pct(alert_delay, 50), "alert_max": max(alert_delay or [nan]),
            "telegram_p50": pct(telegram_delay, 50), "telegram_max": max(telegram_delay or [nan]),
            "group_p50": pct(group_delay, 50), "group_max": max(group_delay or [nan]),
            "lost": lost, "alerts": len(alert_delay), "limited": limited,
            "complete": all(n == urgent for n in copies_per_chat.values())}


async def spike_section(people: int, urgent: int) -> list[str]:
    lines = ["## 2. Spike with urgent cases", "",
             f"{people} people write within about two seconds; {urgent} of them send an urgent "
             "message. The fake enforces Telegram's limits (30 messages/s per bot, 1/s per "
             f"chat, 429 with retry_after beyond). Staff: the Telegram group, {len(ON_CALL)} "
             "on-call members with a private chat, and the web console. Each urgent alert goes "
             "to the group and privately to each on-call member, its first copy in a different "
             "chat in turn (handlers.staff.alerting). Measured with Bình An's priorities "
             "(inbound gate and outbound sender) and, in the same run, with the same pipeline "
             "in plain first-in-first-out order. Staff alert: from the person's message until "
             "the first staff channel has that case's alert (any staff chat on Telegram, or the "
             "console); also shown: the first Telegram chat alone, and the group alone. The "
             "alert dispatcher runs as in binhan run: woken by each commit that writes an "
             "alert.",
             "", "| order | urgent reply p50 | urgent reply max | staff alert p50 | "
             "staff alert max | first Telegram chat p50 / max | group p50 / max | "
             "every copy sent | 429s | all answered after | lost |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    await spike(10, 1, False)  # warm-up: the first run would pay for loading models and data
    results = {}
    for fifo in (False, True):
        r = await spike(people, urgent, fifo)
        results[fifo] = r
        lines.append(f"| {'FIFO' if fifo else 'priority'} | {r['reply_p50']:.2f} s | "
                     f"{r['reply_max']:.2f} s | {r['alert_p50']:.2f} s | {r['alert_max']:.2f} s "
                     f"| {r['telegram_p50']:.2f} s / {r['telegram_max']:.2f} s "
                     f"| {r['group_p50']:.2f} s / {r['group_max']:.2f} s "
                     f"| {'yes' if r['complete'] else 'NO'} | {r['limited']} | {r['total']:.1f} s "
                     f"| {r['lost']} |")
    p, f = results[False], results[True]
    lines += ["", f"Urgent replies came {f['reply_max'] / max(p['reply_max'], 1e-9):.1f}× sooner "
              f"(worst case) and staff alerts {f['alert_max'] / max(p['alert_max'], 1e-9):.1f}× "
              "sooner (worst case; first Telegram chat alone "
              f"{f['telegram_max'] / max(p['telegram_max'], 1e-9):.1f}×) with priority than "
              "first-in-first-out.", ""]
    return lines


# -- 3. knowledge at national scale -----------------------------------------------------------
def synthetic_directory(size: int, rng: random.Random, audiences: bool = False) -> Directory:
    """Trusted addresses around random commune centroids (``audiences``: each also gets a random
    audience list, for tests of the audience filter)."""
    gz = default_gazetteer()
    communes = list(gz.communes.values())
    offers = ["emergency_shelter", "counselling", "legal_aid", "medical_care",
              "child_protection", "vocational_training"]
    services = []
    for i in range(size):
        c = rng.choice(communes)
        services.append(Service.model_validate({
            "id": f"ta-{i}", "name": {"vi": f"Địa chỉ tin cậy {i}"},
            "kind": "trusted_address", "offers": rng.sample(offers, 2),
            "province": c.province, "source": "synthetic",
            **({"audiences": rng.choice([[], ["women"], ["children", "women"]])}
               if audiences else {}),
            "location": {"lat": c.lat + rng.uniform(-0.02, 0.02),
                         "lon": c.lon + rng.uniform(-0.02, 0.02), "precision": "exact"},
        }))
    return Directory(services=services)


def knowledge(size: int, queries: int = 2000) -> dict[str, float]:
    rng = random.Random(size)
    gz = default_gazetteer()
    directory = synthetic_directory(size, rng)
    start = time.perf_counter()
    search = ServiceSearch(directory, gz)
    build = time.perf_counter() - start
    communes = list(gz.communes.values())
    nearest, nearest_cpu = [], []
    for _ in range(queries):
        c = rng.choice(communes)
        need = rng.choice([None, Need.SHELTER, Need.LEGAL, Need.COUNSELLING])
        lat, lon = c.lat + rng.uniform(-0.1, 0.1), c.lon + rng.uniform(-0.1, 0.1)
        cpu = time.thread_time()
        t = time.perf_counter()
        search.nearest(lat, lon, need, limit=5)
        nearest.append(time.perf_counter() - t)
        nearest_cpu.append(time.thread_time() - cpu)
    texts = ([p.short for p in gz.provinces.values()]
             + [f"em dang o {lp.short.lower()}" for lp in gz.legacy_provinces.values()]
             + [c.name for c in rng.sample(communes, 200)]
             + ["xin chào", "bac giag", "tp.hcm", "phường 9 quận 3 sài gòn", "dn"])
    resolve = []
    for _ in range(2):
        for text in texts:
            t = time.perf_counter()
            search.resolver.resolve(text)
            resolve.append(time.perf_counter() - t)
    return {"size": size, "build": build, "nearest_p50": pct(nearest, 50),
            "nearest_p99": pct(nearest, 99), "nearest_cpu_p99": pct(nearest_cpu, 99),
            "resolve_p50": pct(resolve, 50),
            "resolve_p99": pct(resolve, 99)}


# -- 6. triage speed ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Timings:
    """Per-message times of one or more passes, wall-clock and this thread's CPU time."""

    wall: list[float]
    cpu: list[float]

    def row(self, label: str, messages: int) -> str:
        return (f"| {label} | {messages:,} | {ms(pct(self.wall, 50))} | {ms(pct(self.wall, 99))} "
                f"| {ms(max(self.wall))} | {ms(pct(self.cpu, 50))} | {ms(pct(self.cpu, 99))} "
                f"| {ms(max(self.cpu))} |")


def _triage_texts() -> list[str]:
    """The labelled messages (evaluation, development and training sets: how people type, with
    and without diacritics, short and long) and 300 commune names (what people type at the
    location question, and what the place masks are for)."""
    from handlers.triage_eval import parse
    from handlers.triage_model import TRAINING_FILE

    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    files = [data / "triage_eval.tsv", data / "triage_dev.tsv", TRAINING_FILE]
    texts = [e.text for path in files if path.exists()
             for e in parse(path.read_text(encoding="utf-8").splitlines())]
    rng = random.Random(17)
    texts += [c.name for c in rng.sample(list(default_gazetteer().communes.values()), 300)]
    return texts


def triage_speed(passes: int = 5) -> dict[str, Any]:
    """Per-message triage time, one message at a time. The lexicon is loaded first (timed
    apart: once per process). The first pass meets every message for the first time (word
    caches hold only words of earlier messages, as in a live stream); the later passes are the
    steady state. Wall time and CPU time are both kept: on a shared machine, wall time also
    counts other processes' turns."""
    from handlers.triage import triage

    start = time.perf_counter()
    triage("xin chào")  # loads the lexicon, masks the gazetteer's names, loads the model
    load = time.perf_counter() - start
    texts = _triage_texts()
    runs: list[Timings] = []
    for _ in range(passes):
        wall, cpu = [], []
        for text in texts:
            c = time.thread_time()
            t = time.perf_counter()
            triage(text)
            wall.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
        runs.append(Timings(wall, cpu))
    steady = Timings([w for r in runs[1:] for w in r.wall], [c for r in runs[1:] for c in r.cpu])
    # Each message's fastest steady pass: its own cost with the least interference from the
    # rest of the machine (labelled as such in the report, never as the p99 itself).
    fastest = Timings([min(ws) for ws in zip(*(r.wall for r in runs[1:]), strict=True)],
                      [min(cs) for cs in zip(*(r.cpu for r in runs[1:]), strict=True)])
    return {"messages": len(texts), "load": load, "first": runs[0], "steady": steady,
            "fastest": fastest}


def triage_section(passes: int) -> list[str]:
    passes = max(2, passes)  # a first pass and at least one steady one
    t = triage_speed(passes)
    n = t["messages"]
    return ["## 6. Triage speed", "",
            f"Crisis triage of {n:,} messages (the evaluation, development and training sets, "
            "and 300 commune names), one message at a time, after the lexicon and model are "
            f"loaded ({t['load']:.2f} s once per process, including the gazetteer's place "
            "names). The first pass meets each message for the first time (as a live stream "
            f"does); the steady state is {passes - 1} more passes. Wall time includes whatever "
            "else the machine runs (a shared machine preempts); CPU time is this thread's own "
            "work.", "",
            "| pass | messages | p50 | p99 | max | CPU p50 | CPU p99 | CPU max |",
            "|---|---|---|---|---|---|---|---|",
            t["first"].row("first", n),
            t["steady"].row("steady", n * (passes - 1)),
            t["fastest"].row(f"each message's fastest of the {passes - 1} steady", n), ""]


# -- 4. memory (in a fresh process, so earlier benchmarks do not count) ----------------------
async def memory(conversations: int) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.memory", str(conversations),
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    return json.loads(out)


# -- report ------------------------------------------------------------------------------------
SECTIONS = ("fullstack", "spike", "nearest", "memory", "triage", "crash")


async def run(smoke: bool, only: set[str] | None = None) -> str:
    """The report; ``only``: just these sections (names in ``SECTIONS``), without the targets."""

    def want(section: str) -> bool:
        return only is None or section in only

    sizes_people = [3] if smoke else [10, 25, 50]
    kb_sizes = [2_000] if smoke else [10_000, 30_000, 100_000]
    spike_people, spike_urgent = (40, 2) if smoke else (1000, 5)
    conversations = 200 if smoke else 10_000

    lines = ["# Bình An benchmarks", "",
             f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
             f"- machine: {platform.machine()}, {platform.system()} {platform.release()}, "
             f"{_cpus()} CPUs, Python {platform.python_version()}",
             f"- python-telegram-bot {_version('python-telegram-bot')}, "
             f"aiosqlite {_version('aiosqlite')}, SQLite {_sqlite()}",
             f"- mode: {'smoke (tiny sizes, CI)' if smoke else 'full'}", ""]

    if want("fullstack"):
        lines += await fullstack_section(sizes_people)
    if want("spike"):
        lines += await spike_section(spike_people, spike_urgent)
    if want("nearest"):
        lines += nearest_section(kb_sizes, smoke)
    if want("memory"):
        lines += await memory_section(conversations)
    if want("triage"):
        lines += triage_section(2 if smoke else 5)
    # The smoke run leaves the crash section out unless asked: tests/test_crash.py runs the
    # same machinery in every test run.
    if (only is None and not smoke) or (only is not None and "crash" in only):
        lines += await crash_section(*CRASH_SMOKE if smoke else CRASH_FULL)
    if only is not None:
        return "\n".join(lines)

    lines += ["## Targets", "",
              "- urgent alert during the spike ≤ 1.5 s and ≥ 20× sooner than FIFO;",
              "- full stack ≤ 1.3× the echo bot's cost per update;",
              "- nearest-5 p99 ≤ 1 ms and place resolution p99 ≤ 2 ms at 100,000 services;",
              "- ≤ 150 MB resident at 10,000 conversations;",
              "- triage p99 ≤ 0.5 ms per message.", "",
              "See the notes below the figures (written by whoever ran them) for where a target "
              "is missed, by how much, and why.", ""]
    return "\n".join(lines)


async def fullstack_section(sizes_people: list[int]) -> list[str]:
    lines = ["## 1. Full-stack cost per update (and 5. growth)", "",
             "Each simulated person walks a ten-step conversation (from /start to a contact "
             "request) against the loopback fake Bot API, through python-telegram-bot's real "
             "HTTP stack and a real SQLite file; all people at once, one step at a time each. "
             "Latency runs from the update's arrival at the fake to the bot's first message "
             "after it. Outbound pacing is off here (it would measure Telegram's limits, not "
             "our cost). The floor is a minimal PTB echo bot on the same fake, driven the same "
             "way, in the same run. Before the measured run, one person walks the script "
             "untimed on each bot (what a process loads on first use is not a cost per "
             "update). The cost ratio is by throughput (wall clock); the CPU columns are the "
             "process's CPU time per update (all threads, the fake's share included), which a "
             "busy shared machine disturbs less.", "",
             "| people | bot updates/s | echo updates/s | cost ratio | bot CPU/update | "
             "echo CPU/update | CPU ratio | bot p50 | bot p95 | bot p99 | echo p50 | echo p99 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for people in sizes_people:
        ours = await full_stack(people)
        floor = await echo_floor(people)
        ours_rate = ours["updates"] / ours["wall"]
        floor_rate = floor["updates"] / floor["wall"]
        ours_cpu = ours["cpu"] / ours["updates"]
        floor_cpu = floor["cpu"] / floor["updates"]
        lines.append(f"| {people} | {ours_rate:.0f} | {floor_rate:.0f} | "
                     f"{floor_rate / ours_rate:.2f}× | {ms(ours_cpu)} | {ms(floor_cpu)} | "
                     f"{ours_cpu / floor_cpu:.2f}× | {ms(ours['p50'])} | {ms(ours['p95'])} | "
                     f"{ms(ours['p99'])} | {ms(floor['p50'])} | {ms(floor['p99'])} |")
    lines.append("")
    return lines


def nearest_section(kb_sizes: list[int], smoke: bool) -> list[str]:
    lines = ["## 3. Knowledge at national scale (and 5. growth)", "",
             "A synthetic directory of trusted addresses placed around random commune "
             "centroids; 2,000 nearest-5 queries (with and without a need filter) and place "
             "resolution of 400+ typed inputs (provinces, old names in sentences, communes, "
             "typos, shorthand). Times are wall clock; the CPU p99 is this thread's own work "
             "(on a shared machine the wall p99 also holds whatever preempted it).", "",
             "| services | index build | nearest-5 p50 | nearest-5 p99 | nearest-5 CPU p99 | "
             "resolve p50 | resolve p99 |", "|---|---|---|---|---|---|---|"]
    for size in kb_sizes:
        k = knowledge(size, 300 if smoke else 2000)
        lines.append(f"| {size:,} | {k['build']:.2f} s | {ms(k['nearest_p50'])} | "
                     f"{ms(k['nearest_p99'])} | {ms(k['nearest_cpu_p99'])} | "
                     f"{ms(k['resolve_p50'])} | {ms(k['resolve_p99'])} |")
    gz_start = time.perf_counter()
    from knowledge.gazetteer import Gazetteer, data_folder
    from knowledge.places import PlaceResolver

    PlaceResolver(Gazetteer(data_folder()))
    lines += ["", f"Loading the gazetteer and building the place index: "
              f"{time.perf_counter() - gz_start:.2f} s (once per process).", ""]
    return lines


async def memory_section(conversations: int) -> list[str]:
    m = await memory(conversations)
    return ["## 4. Memory", "",
            f"{m['conversations']:,} conversations started (two events each) through the "
              "engine on SQLite, all still active in the store and in the flood gate. Resident "
              f"memory: {m['rss_mb']:.0f} MB (process with the knowledge base loaded: "
              f"{m['baseline_mb']:.0f} MB; about {m['per_conversation_kb']:.2f} kB more per "
              f"conversation). Creating them took {m['wall']:.1f} s.", ""]


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _sqlite() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def sections_of(report: str) -> list[list[str]]:
    """The report's "## " sections, each as its lines (the header above them left out)."""
    sections: list[list[str]] = []
    for line in report.splitlines():
        if line.startswith("## "):
            sections.append([])
        if sections:
            sections[-1].append(line)
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--out", default="docs/benchmarks.md")
    parser.add_argument("--notes", help="a file of notes to append after the figures")
    parser.add_argument("--triage", action="store_true",
                        help="only the triage speed section, printed (nothing written)")
    parser.add_argument("--only", help="a comma list of sections to run, printed and put into "
                        "--out in place of their old figures (the other sections are left as "
                        f"they are): {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    if args.triage:
        print("\n".join(triage_section(2 if args.smoke else 5)))
        return 0
    if args.only:
        only = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = only - set(SECTIONS)
        if unknown:
            parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
        report = asyncio.run(run(args.smoke, only))
        print(report)
        out = Path(args.out)
        if out.exists():
            text = out.read_text(encoding="utf-8")
            for section in sections_of(report):
                text = splice(text, section)
            out.write_text(text, encoding="utf-8")
        return 0
    report = asyncio.run(run(args.smoke))
    if args.notes and Path(args.notes).exists():
        report += "\n" + Path(args.notes).read_text(encoding="utf-8")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
