"""The message catalogue: every word Bình An says comes from reviewed Fluent files.

Why Fluent: translators edit plain files with named placeholders, and no crisis message is ever
generated free-form (safety.md, rule 8). Keys are stable ids shared by ``vi.ftl`` and ``en.ftl``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fluent.runtime import FluentBundle, FluentResource

LANGUAGES = ("vi", "en")
MAX_TEXT = 2000  # the smallest channel limit (Zalo); Telegram allows 4096


class Catalogue:
    """The Fluent files of one package's ``locales`` folder: the conversation's own
    (``handlers``) by default; the staff console loads its wording the same way."""

    def __init__(self, package: str = "handlers") -> None:
        self._bundles: dict[str, FluentBundle] = {}
        for lang in LANGUAGES:
            source = (resources.files(package) / "locales" / f"{lang}.ftl").read_text("utf-8")
            bundle = FluentBundle([lang], use_isolating=False)
            bundle.add_resource(FluentResource(source))
            self._bundles[lang] = bundle

    def keys(self, lang: str) -> set[str]:
        return set(self._bundles[lang]._messages)

    def has(self, lang: str, key: str) -> bool:
        return self._bundles[lang].has_message(key)

    def text(self, lang: str, key: str, **args: object) -> str:
        bundle = self._bundles[lang if lang in self._bundles else "vi"]
        message = bundle.get_message(key)
        if message.value is None:
            raise KeyError(key)
        text, errors = bundle.format_pattern(message.value, args)
        if errors:
            raise ValueError(f"{lang}:{key}: {errors[0]}")
        if not isinstance(text, str):  # FluentNone: only with an error, which raised above
            raise ValueError(f"{lang}:{key}: unresolved message")
        return text


@cache
def default_catalogue() -> Catalogue:
    return Catalogue()
