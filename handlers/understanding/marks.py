"""Diacritics as evidence: a word typed with marks that the place's name does not carry is not
that place ("cổ vẫn đau" is not Phường Văn Đẩu, "vẫn ám ảnh" is not Xã Văn Âm).

Folding makes "vẫn đau" and "Văn Đẩu" the same key, which is right for people who type without
marks and wrong for people who type with them. So when a typed syllable carries marks, they must
be the marks of the name's syllable. Tone placement ("hoà" / "hòa") does not matter: a syllable's
marks are compared as a multiset, not by position. Syllables typed bare are not compared.
"""

from __future__ import annotations

import unicodedata

from knowledge.gazetteer import Gazetteer
from knowledge.text import compact

Signature = tuple[tuple[str, ...], ...]  # per syllable: its marks, sorted ("đ" counts as one)


def syllable_marks(word: str) -> tuple[str, ...]:
    lowered = unicodedata.normalize("NFC", word).lower().replace("ð", "đ")
    marks = [ch for ch in unicodedata.normalize("NFD", lowered) if unicodedata.combining(ch)]
    if "đ" in lowered:
        marks.append("đ")
    return tuple(sorted(marks))


def signature(text: str) -> Signature:
    return tuple(syllable_marks(w) for w in text.split())


class MarkIndex:
    """Every accented spelling of each place key, built once from the gazetteer."""

    def __init__(self, gz: Gazetteer) -> None:
        self._forms: dict[str, set[Signature]] = {}
        names: list[str] = []
        for p in gz.provinces.values():
            names += [p.short, p.name]
        for lp in gz.legacy_provinces.values():
            names.append(lp.short)
        for d in gz.legacy_districts.values():
            names.append(d.short)
        for c in gz.communes.values():
            names.append(c.short)
        for lc in gz.legacy_communes:
            unit = next((t for t in ("Phường ", "Xã ", "Thị trấn ") if lc.name.startswith(t)), "")
            names.append(lc.name[len(unit) :])
        for alias in gz.aliases:
            names.append(alias.alias)
        for name in names:
            self._forms.setdefault(compact(name), set()).add(signature(name))

    def agrees(self, typed: list[str]) -> bool:
        """Whether the typed words' marks fit some spelling of the place they fold to."""
        typed_sig = [syllable_marks(w) for w in typed]
        if not any(typed_sig):
            return True  # typed without marks: nothing to compare
        forms = self._forms.get(compact(" ".join(typed)))
        if not forms:
            return True  # an alias or shorthand ("tp hcm"): nothing to compare
        for form in forms:
            if len(form) != len(typed_sig):
                return True  # spelt as one word ("hanoi") or split differently: do not judge
            if all(not t or t == f for t, f in zip(typed_sig, form, strict=True)):
                return True
        return False

    def agrees_with(self, typed: list[str], name: str) -> bool:
        """Whether marked syllables typed fit a given name (for a typo matched loosely)."""
        typed_sig = [syllable_marks(w) for w in typed]
        form = signature(name)
        if not any(typed_sig) or len(form) != len(typed_sig):
            return True
        return all(not t or t == f for t, f in zip(typed_sig, form, strict=True))
