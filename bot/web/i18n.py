"""The console's words in Vietnamese and English, from Fluent files beside it.

The console's own catalogue (``bot/web/locales``, loaded by ``handlers.catalogue.Catalogue``
like the conversation's) keeps staff-interface wording apart from the conversation's reviewed
crisis texts (``handlers/locales``), which it reuses for alert lines and statuses so that staff
read the same words on every channel.
"""

from __future__ import annotations

from functools import cache

from handlers.catalogue import Catalogue, default_catalogue


class WebText:
    def __init__(self) -> None:
        self.own = Catalogue("bot.web")
        self.catalogue = default_catalogue()

    def keys(self, lang: str) -> set[str]:
        return self.own.keys(lang)

    def text(self, lang: str, key: str, **args: object) -> str:
        lang = lang if lang in ("vi", "en") else "vi"
        if not self.own.has(lang, key):
            return self.catalogue.text(lang, key, **args)  # shared words (statuses, tiers)
        return self.own.text(lang, key, **args)


@cache
def web_text() -> WebText:
    return WebText()
