"""Telegram wire details: core events from updates, API calls from core messages.

No conversation logic here, and nothing here knows what an option means: callback data is the
core's option id behind a version prefix, so an old button from a changed keyboard (or a forged
one) decodes to nothing and the core treats it as not understood.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from handlers.events import Choice, Command, Inbound, Location, Media, Message, Text

CALLBACK_VERSION = "1"
CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
TEXT_LIMIT = 4096
MEDIA_KINDS = ("photo", "voice", "sticker", "document", "contact", "video", "audio",
               "animation", "video_note", "poll", "dice", "venue", "game", "story")


def encode_option(option: str) -> str:
    data = f"{CALLBACK_VERSION}|{option}"
    if len(data.encode("utf-8")) > CALLBACK_LIMIT:
        raise ValueError(f"option id too long for callback data: {option!r}")
    return data


def decode_option(data: str | None) -> str | None:
    if not data or len(data.encode("utf-8")) > CALLBACK_LIMIT:
        return None
    version, _, option = data.partition("|")
    return option if version == CALLBACK_VERSION and option else None


def to_event(update: Update) -> Inbound | None:
    """The core event for a private-chat update, or None when there is nothing to answer."""
    if update.callback_query is not None:
        option = decode_option(update.callback_query.data)
        return Choice(option if option is not None else "forged")
    if update.edited_message is not None:
        return Media("edited")
    message = update.message
    if message is None:
        return None
    if message.location is not None and message.venue is None:
        return Location(message.location.latitude, message.location.longitude)
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            return Command(head.split("@", 1)[0].lower(), args.strip())
        return Text(text)
    for kind in MEDIA_KINDS:
        if getattr(message, kind, None):
            return Media(kind)
    return Media("unsupported")


def _chunks(text: str, size: int = TEXT_LIMIT) -> list[str]:
    parts = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


def _markup(message: Message) -> dict[str, Any] | None:
    if message.ask_location:
        rows = [[{"text": message.location_label or "📍", "request_location": True}]]
        rows += [[{"text": option.label}] for option in message.options]
        return {"keyboard": rows, "one_time_keyboard": True, "resize_keyboard": True}
    if not message.options:
        return None
    buttons = [{"text": o.label, "callback_data": encode_option(o.id)} for o in message.options]
    width = 2 if len(buttons) > 8 else 1
    return {"inline_keyboard": [buttons[i : i + width] for i in range(0, len(buttons), width)]}


def to_calls(message: Message) -> list[tuple[str, dict[str, Any]]]:
    """The Bot API calls (method, parameters without chat_id) that show one core message."""
    parts = _chunks(message.text)
    calls: list[tuple[str, dict[str, Any]]] = [("sendMessage", {"text": p}) for p in parts]
    markup = _markup(message)
    if markup is not None:
        calls[-1][1]["reply_markup"] = markup
    if message.venue is not None:
        v = message.venue
        calls.append(("sendVenue", {"latitude": v.lat, "longitude": v.lon, "title": v.title,
                                    "address": v.address}))
    return calls


MERGE_SEPARATOR = "\n\n"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def merge_sends(
    calls: list[tuple[str, dict[str, Any], int]],
) -> list[tuple[str, dict[str, Any], int]]:
    """Consecutive ``sendMessage`` calls to one chat as one message, where Telegram allows it:
    (method, params, priority) in, fewer of them out, in the same order.

    Why: a reply of four short messages is four API calls, four rows to mark sent and, under
    Telegram's one-message-a-second pace per chat, four seconds before the last arrives; one
    message of the same text reads the same on a phone. A message joins the one before it when
    the one before has no buttons (buttons stay under the text they belong to: those of the
    last message joined), the joined text stays within ``TEXT_LIMIT``, and both are text
    messages (a venue or a deletion is never joined). Urgent text (emergency numbers) is never
    joined after routine text: it stays at the top of its message, sent at its own priority,
    and what follows it rides along at that priority, so nothing delays the numbers."""
    merged: list[tuple[str, dict[str, Any], int]] = []
    for method, params, priority in calls:
        if merged and method == "sendMessage":
            last_method, last, last_priority = merged[-1]
            text = last.get("text", "") + MERGE_SEPARATOR + params.get("text", "")
            if (last_method == "sendMessage" and set(last) == {"text"}
                    and set(params) <= {"text", "reply_markup"} and last_priority <= priority
                    and telegram_length(text) <= TEXT_LIMIT):
                merged[-1] = (method, {**params, "text": text}, last_priority)
                continue
        merged.append((method, params, priority))
    return merged
