"""The console's words in Vietnamese and English, from Fluent files beside it.

The console's own catalogue (``bot/web/locales``) keeps staff-interface wording apart from the
conversation's reviewed crisis texts (``handlers/locales``), which it reuses for alert lines
and statuses so that staff read the same words on every channel.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fluent.runtime import FluentBundle, FluentResource

from handlers.catalogue import LANGUAGES, default_catalogue


class WebText:
    def __init__(self) -> None:
        self._bundles: dict[str, FluentBundle] = {}
        for lang in LANGUAGES:
            source = (resources.files("bot.web") / "locales" / f"{lang}.ftl").read_text("utf-8")
            bundle = FluentBundle([lang], use_isolating=False)
            bundle.add_resource(FluentResource(source))
            self._bundles[lang] = bundle
        self.catalogue = default_catalogue()

    def keys(self, lang: str) -> set[str]:
        return set(self._bundles[lang]._messages)

    def text(self, lang: str, key: str, **args: object) -> str:
        bundle = self._bundles[lang if lang in self._bundles else "vi"]
        if not bundle.has_message(key):
            return self.catalogue.text(lang, key, **args)  # shared words (statuses, tiers)
        message = bundle.get_message(key)
        if message.value is None:  # a message with attributes only has no text of its own
            raise KeyError(key)
        text, errors = bundle.format_pattern(message.value, args)
        if errors:
            raise ValueError(f"{lang}:{key}: {errors[0]}")
        if not isinstance(text, str):  # FluentNone: only with an error, which raised above
            raise ValueError(f"{lang}:{key}: unresolved message")
        return text


@cache
def web_text() -> WebText:
    return WebText()
