"""The conversation corpus (tests/data/conversations.yaml): every conversation is played through
the real engine on a real SQLite store, turn by turn, and every expectation is checked.

The corpus is written from what people would notice (numbers first, the alert tier, the place
used, a quiet exit), not from the code; when a conversation fails, the engine is what changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.storage import Outbox, Store
from handlers.events import DeleteHistory, Location, Reply, Text
from knowledge.text import fold
from tests.conversation import Clock, make_engine, open_store

CORPUS = Path(__file__).parent / "data" / "conversations.yaml"
KM = re.compile(r"\d\s?km\b")
# Words only a Vietnamese reply has (folded): used to check a reply is in English.
VIETNAMESE = re.compile(r"\b(ban|cua|hay|nhung|chung toi|duoc|khong|toi|nhe)\b")


@dataclass
class Expect:
    numbers_first: list[str] = field(default_factory=list)
    contains_any: list[str] = field(default_factory=list)
    contains_all: list[str] = field(default_factory=list)
    not_contains: list[str] = field(default_factory=list)
    alert: str | None = None
    province: int | None = None
    abroad: str | None = None
    km: bool | None = None
    exit: bool | None = None
    max_messages: int | None = None
    lang: str | None = None
    alert_abroad: str | None = None  # a staff alert of this conversation says "abroad: XX"
    alert_relayed: bool | None = None  # a staff alert of this conversation is marked relayed
    contact: dict[str, str] = field(default_factory=dict)  # call-back details kept (as typed)


def _conversations() -> list[dict[str, Any]]:
    return yaml.safe_load(CORPUS.read_text("utf-8"))


def _text(reply: Reply) -> str:
    """What the person sees: each message with its options (buttons or a numbered menu)."""
    return "\n".join("\n".join([m.text, *(o.label for o in m.options)])
                     for m in reply.messages)


async def _alerts(store: Store, clock: Clock) -> list[dict[str, Any]]:
    return [p for _, p, _ in await Outbox(store).due(clock.now)]


async def _alert_keys(store: Store, clock: Clock) -> dict[tuple[str, str], str]:
    return {(p["code"], p["event"]): p["tier"] for _, p, _ in await Outbox(store).due(clock.now)}


async def _facts(store: Store, key: str) -> dict[str, Any]:
    """What the session (or, once it is wiped, the case) uses now."""
    async with store.unit_of_work() as uow:
        loaded = await uow.sessions.load(key)
        state = loaded[0] if loaded else {}
        code = state.get("case_code")
        case = await uow.cases.get(code) if code else None
    return {"session": loaded is not None, "state": state, "case": case}


@pytest.mark.parametrize("conversation", _conversations(), ids=lambda c: c["id"])
async def test_conversation(conversation: dict[str, Any], tmp_path: Path) -> None:
    store = await open_store(tmp_path / "corpus.db")
    clock = Clock()
    try:
        engine = make_engine(store, clock)
        key = f"corpus:{conversation['id']}"
        channel = conversation.get("channel", "terminal")
        for number, turn in enumerate(conversation["turns"], start=1):
            where = f"{conversation['id']} turn {number}"
            if "say" in turn:
                event: Any = Text(turn["say"])
            elif "location" in turn:
                event = Location(*turn["location"])
            else:
                event = Text(str(turn["tap"]))
            before = await _alert_keys(store, clock)
            reply = await engine.handle(key, channel, event)
            assert reply is not None, where
            clock.advance(seconds=20)
            expect = Expect(**(turn.get("expect") or {}))
            await _check(expect, reply, store, clock, key, before, where)
    finally:
        await store.close()


async def _check(expect: Expect, reply: Reply, store: Store, clock: Clock, key: str,
                 before: dict[tuple[str, str], str], where: str) -> None:
    text = _text(reply)
    folded = fold(text)
    shown = f"{where}\n--- reply ---\n{text}"
    messages = reply.messages
    for number in expect.numbers_first:
        assert messages and number in messages[0].text, f"{number} not first: {shown}"
        assert not messages[0].options, f"the first message is a question: {shown}"
    if expect.contains_any:
        assert any(fold(w) in folded for w in expect.contains_any), (expect.contains_any, shown)
    for word in expect.contains_all:
        assert fold(word) in folded, (word, shown)
    for word in expect.not_contains:
        assert fold(word) not in folded, (word, shown)
    if expect.max_messages is not None:
        assert len(messages) <= expect.max_messages, (len(messages), shown)
    if expect.km is not None:
        assert bool(KM.search(text)) is expect.km, ("km", shown)
    facts = await _facts(store, key)
    if expect.alert is not None:
        after = await _alert_keys(store, clock)
        new = {k: tier for k, tier in after.items() if k not in before}
        if expect.alert == "none":
            assert not new, (new, shown)
        else:
            assert expect.alert in new.values(), (expect.alert, new, shown)
    if expect.alert_abroad is not None or expect.alert_relayed is not None:
        alerts = await _alerts(store, clock)
        if expect.alert_abroad is not None:
            assert any(a.get("abroad") == expect.alert_abroad for a in alerts), (alerts, shown)
        if expect.alert_relayed is not None:
            assert any(bool(a.get("relayed")) is expect.alert_relayed for a in alerts), (
                alerts, shown)
    if expect.exit is not None:
        quiet = not facts["session"] and len(messages) <= 2
        assert quiet is expect.exit, ("exit", reply.outputs, shown)
        if expect.exit and any(isinstance(o, DeleteHistory) for o in reply.outputs):
            assert not messages, shown
    state, case = facts["state"], facts["case"]
    if expect.province is not None:
        used = state.get("province") if state else None
        if used is None and case is not None:
            used = case["province"]
        assert used == expect.province, ("province", used, state.get("place_label"), shown)
    if expect.abroad is not None:
        assert state.get("abroad") == expect.abroad, ("abroad", state.get("abroad"), shown)
    for name, value in expect.contact.items():
        kept = (state.get("contact") or {}).get(name) if state else None
        assert kept == value, ("contact", name, kept, shown)
    if expect.lang is not None:
        assert state.get("lang", expect.lang) == expect.lang, ("lang", shown)
        if expect.lang == "en":
            # the first message and the question are catalogue text (cards carry place names)
            catalogue = fold("\n".join(m.text for m in messages[:1] + messages[-1:]))
            assert not VIETNAMESE.search(catalogue), ("not English", shown)
