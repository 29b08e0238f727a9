"""The commune as the fallback everywhere: the bodies every 2025 commune has by law, as services.

Law 13/2022/QH15, Art. 19, names the commune People's Committee and the nearest police as places
that must receive a report of domestic violence, and since 1 July 2025 every commune, ward and
special zone has its own police (research ``law_notes.md``). So whatever else the directory lacks,
a person anywhere in Vietnam has these two places in their own commune. The texts are data
(``data/commune_bodies.yaml``); this module only puts each commune's name into them, once, when the
directory is loaded: 3,321 communes x 2 bodies, never hand-written.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.directory import Directory
from knowledge.gazetteer import Commune, Gazetteer
from knowledge.models import (
    CommuneBody,
    Coordinates,
    Localized,
    Need,
    Precision,
    Service,
    UnitWords,
)

GENERIC = 0  # the key of the bodies shown when the person's commune is not known


@dataclass(frozen=True, slots=True)
class CommuneBodies:
    """Each commune's bodies (and the generic ones), in the order they are offered."""

    by_commune: dict[int, tuple[Service, ...]]
    generic: tuple[Service, ...]
    # need -> the order of the templates for it (worked out once: queries only index)
    order: dict[Need | None, tuple[int, ...]]

    def for_commune(self, code: int | None) -> tuple[Service, ...]:
        if code is None:
            return self.generic
        return self.by_commune.get(code, self.generic)

    def ordered(self, code: int | None, need: Need | None) -> list[Service]:
        """The commune's bodies, the one that answers ``need`` best first."""
        bodies = self.for_commune(code)
        return [bodies[i] for i in self.order[need]]

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_commune.values())


def _unit(commune: Commune | None, words: UnitWords) -> Localized:
    if commune is None:
        return words.unknown
    kind = words.types.get(commune.type)
    if kind is None:
        return Localized(vi=commune.name, en=commune.name)
    return Localized(vi=f"{kind.vi} {commune.short}", en=f"{commune.short} {kind.en or kind.vi}")


def _fill(text: Localized, unit: Localized) -> Localized:
    return Localized(
        vi=text.vi.replace("{unit}", unit.vi),
        en=None if text.en is None else text.en.replace("{unit}", unit.en or unit.vi),
    )


def _service(body: CommuneBody, commune: Commune | None, words: UnitWords) -> Service:
    unit = _unit(commune, words)
    suffix = str(commune.code) if commune is not None else "any"
    location = None
    if commune is not None:
        location = Coordinates(lat=commune.lat, lon=commune.lon, precision=Precision.COMMUNE)
    # model_construct: the template was validated when the file was loaded, and 6,642 full
    # validations would only repeat it.
    return Service.model_construct(
        id=f"commune-{body.id}-{suffix}",
        name=_fill(body.names_by_type.get(commune.type, body.name) if commune else body.name, unit),
        kind=body.kind,
        audiences=[],
        offers=list(body.offers),
        province=commune.province if commune is not None else None,
        legacy_province=None,
        address=None,
        disclose_address=True,
        phones=[],
        hours=None,
        open_24_7=False,
        location=location,
        languages=["vi"],
        note=_fill(body.note, unit),
        referral=body.referral,
        staff_referral=False,
        referral_point=False,
        source=body.source,
        source_url=body.source_url,
        source_date=body.source_date,
        confidence=None,
        verified_on=body.verified_on,
        verified=True,
    )


def commune_bodies(directory: Directory, gazetteer: Gazetteer) -> CommuneBodies:
    """Every commune's bodies from the directory's templates (empty when it has none)."""
    words = directory.unit_words or UnitWords(
        types={}, unknown=Localized(vi="xã/phường nơi bạn ở", en="your commune or ward")
    )
    templates = directory.commune_bodies
    by_commune = {
        code: tuple(_service(body, commune, words) for body in templates)
        for code, commune in gazetteer.communes.items()
    }
    generic = tuple(_service(body, None, words) for body in templates)
    order = {
        need: tuple(
            sorted(range(len(templates)), key=lambda i: need not in templates[i].first_for)
        )
        for need in [None, *Need]
    }
    return CommuneBodies(by_commune, generic, order)
