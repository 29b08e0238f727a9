"""Directory files: the bundled data is valid and honest; broken files are named entry by entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from knowledge.directory import DirectoryError, load_directory
from knowledge.models import ServiceKind


def test_bundled_directory_is_valid(gazetteer) -> None:
    directory = load_directory(province_codes=gazetteer.provinces)
    assert len(directory.services) >= 10
    assert {h.number for h in directory.hotlines} >= {"113", "115", "111", "1900 969 680"}


def test_bundled_directory_invents_nothing(gazetteer) -> None:
    directory = load_directory(province_codes=gazetteer.provinces)
    for entry in [*directory.services, *directory.hotlines]:
        assert entry.source.strip()
        if entry.verified:
            assert entry.verified_on is not None
    for s in directory.services:
        if s.kind is ServiceKind.PEACE_HOUSE:
            assert not s.disclose_address and s.address is None
        if s.location is not None:
            assert s.location.precision.value in ("exact", "commune", "province")
    # The old child line is never shown; the unverified national DV line has no number at all.
    obsolete = [h for h in directory.hotlines if h.number == "1800 1567"]
    assert obsolete and not obsolete[0].show


def test_validate_command_passes_on_bundled_data(capsys) -> None:
    assert main(["kb", "validate"]) == 0
    assert "ok:" in capsys.readouterr().out


BROKEN = """
services:
  - id: good-one
    name: {vi: Tốt}
    kind: shelter
    phones: ["111"]
    source: test
  - id: bad-kind
    name: {vi: Sai}
    kind: castle
    source: test
  - id: bad-phone
    name: {vi: Sai}
    kind: shelter
    phones: ["call me maybe"]
    source: test
  - id: good-one
    name: {vi: Trùng}
    kind: shelter
    source: test
  - id: claims-verified
    name: {vi: Sai}
    kind: shelter
    source: test
    verified: true
  - id: no-such-province
    name: {vi: Sai}
    kind: shelter
    province: 99
    source: test
"""


def test_broken_file_names_every_entry(tmp_path: Path, gazetteer) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(path, province_codes=gazetteer.provinces)
    text = "\n".join(caught.value.problems)
    for entry in ("bad-kind", "bad-phone", "claims-verified", "no-such-province"):
        assert f"(id={entry})" in text, entry
    assert "already used" in text
    assert str(path) in text
    assert "good-one" not in text.split("already used")[0].splitlines()[0]


def test_validate_command_fails_naming_the_entry(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["kb", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "(id=bad-kind)" in err and "problem(s) found" in err


def test_unreadable_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("services: [unclosed", encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(path)
    assert "cannot be read as YAML" in caught.value.problems[0]
