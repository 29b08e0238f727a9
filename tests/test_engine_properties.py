"""Property test: any sequence of events never breaks the engine, and quick exit always wipes."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.events import Choice, Command, DeleteHistory, Location, Media, Message, Text
from tests.conversation import Chat, Clock, make_engine, open_store

OPTION_IDS = ["danger", "support", "other", "unsafe", "lang", "under18", "adult", "age-skip",
              "need:shelter", "need:child", "no-place", "skip", "yes", "no", "talk", "screen",
              "another", "done", "way:call", "way:chat", "time:now", "ans:yes", "ans:no",
              "skip-screen", "relay:yes", "relay:no", "consent:yes", "consent:no", "pick:0",
              "pick:99", "prov:1", "prov:999", "none", "forged:data"]

events = st.one_of(
    st.builds(Text, st.text(max_size=300)),
    st.builds(Text, st.sampled_from(["1", "2", "3", "9", "0", "ha noi", "dn", "cuu toi",
                                     "xã Tân An", "help", "english", "0912345678"])),
    st.builds(Choice, st.sampled_from(OPTION_IDS)),
    st.builds(Location, st.floats(allow_nan=True, allow_infinity=True),
              st.floats(allow_nan=True, allow_infinity=True)),
    st.builds(Location, st.floats(8, 23), st.floats(102, 110)),
    st.builds(Command, st.sampled_from(["start", "help", "privacy", "lang", "foo", ""]),
              st.text(max_size=10)),
    st.builds(Media, st.sampled_from(["photo", "voice", "sticker", "document"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, min_size=1, max_size=12))
def test_random_events_never_fail_and_exit_always_wipes(sequence) -> None:
    async def scenario() -> None:
        with tempfile.TemporaryDirectory() as folder:
            store = await open_store(Path(folder) / "p.db")
            try:
                chat = Chat(make_engine(store, Clock()))
                for event in sequence:
                    reply = await chat.send(event)
                    for output in reply.outputs:
                        assert isinstance(output, (Message, DeleteHistory))
                        if isinstance(output, Message):
                            assert output.text.strip()
                            assert len(output.text) <= 4096
                reply = await chat.send(Choice("exit"))
                assert reply.outputs == [DeleteHistory()]
                async with store.unit_of_work() as uow:
                    assert await uow.sessions.load(chat.key) is None
            finally:
                await store.close()

    asyncio.run(scenario())


def test_the_step_table_and_its_handlers_cover_every_step() -> None:
    from handlers.conversation.dialogue import HANDLERS
    from handlers.conversation.state import Step
    from handlers.conversation.steps import STEPS

    assert set(STEPS) == set(Step) == set(HANDLERS)


def test_every_option_id_round_trips_and_forged_ids_are_refused() -> None:
    from handlers.conversation.options import OptionId
    from handlers.conversation.steps import STEPS

    for spec in STEPS.values():
        for choice in spec.options:
            assert OptionId.parse(choice.id.wire) == choice.id
    for forged in ["need:", "need:fly", "prov:x", "prov:99999", "pick:-1", "danger:1", "", ":",
                   "../../etc", "talk:yes"]:
        assert OptionId.parse(forged) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.builds(Text, st.text(max_size=40)),
                          st.builds(Text, st.sampled_from(["blah", "???", "😭", "hmm", "abc"]))),
                min_size=3, max_size=10))
def test_not_understood_never_three_times_in_a_row(sequence) -> None:
    async def scenario() -> None:
        with tempfile.TemporaryDirectory() as folder:
            store = await open_store(Path(folder) / "p.db")
            try:
                chat = Chat(make_engine(store, Clock()))
                await chat.send("hi")
                run = 0
                for event in sequence:
                    await chat.send(event)
                    run = run + 1 if "Mình chưa hiểu ý bạn" in chat.text() else 0
                    assert run < 3
            finally:
                await store.close()

    asyncio.run(scenario())
