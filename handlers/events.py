"""What flows in and out of the conversation core, with no channel in sight.

Channels turn their updates into these events and render these outputs with what they can do
(buttons on Telegram, numbered menus on Zalo Bot, printed lines in the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Choice:
    """A tapped option; ``option`` is the id the core offered (channels may not invent ids)."""

    option: str


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Command:
    name: str  # without the slash: "start", "x", "help"...
    args: str = ""


@dataclass(frozen=True)
class Media:
    """Anything that is not text or a location: its content never reaches the core."""

    kind: str  # photo, voice, sticker, document, contact, video, unsupported


Inbound = Text | Choice | Location | Command | Media


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class PhoneLink:
    """A number a channel may render as a call button (Zalo OA ``oa.open.phone``)."""

    number: str
    label: str


@dataclass(frozen=True)
class Venue:
    """A place whose address may be disclosed (Telegram ``sendVenue``)."""

    title: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Message:
    """One message to the person. ``text`` stands on its own; the rest serves richer channels."""

    text: str
    options: tuple[Option, ...] = ()
    phones: tuple[PhoneLink, ...] = ()
    venue: Venue | None = None
    ask_location: bool = False
    location_label: str = ""  # the words for a "share my location" button, where there is one
    urgent: bool = False  # a reply on the urgent path: channels send it before routine traffic


@dataclass(frozen=True)
class DeleteHistory:
    """Ask the channel to delete what it can of the visible conversation (quick exit)."""


@dataclass(frozen=True)
class ToStaff:
    """For the staff member talking with the person (handoff): the person's words, or a notice
    (a catalogue key) such as "the person left". Channels deliver it to staff, never to the
    person."""

    case: str
    text: str = ""
    notice: str = ""


Outbound = Message | DeleteHistory | ToStaff


@dataclass
class Reply:
    outputs: list[Outbound] = field(default_factory=list)

    @property
    def messages(self) -> list[Message]:
        return [o for o in self.outputs if isinstance(o, Message)]

    @property
    def to_staff(self) -> list[ToStaff]:
        return [o for o in self.outputs if isinstance(o, ToStaff)]
