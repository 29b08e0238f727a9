"""The ``binhan`` command: the composition root for every way Bình An is started.

Script-facing commands (``where``, ``nearest``, ``triage``) print one JSON object per line so other
tools can consume them; ``kb`` commands exit 1 when the data has problems.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.config import ConfigError, load_settings
from knowledge.directory import DirectoryError, dump_services, load_directory
from knowledge.models import Audience, Need


def _texts(values: list[str]) -> Iterator[str]:
    """Either the arguments joined as one text, or (``-``) one text per line of stdin."""
    if values == ["-"]:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line.strip():
                yield line
    else:
        yield " ".join(values)


def _print(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def cmd_where(args: argparse.Namespace) -> int:
    from knowledge.search import default_search

    resolver = default_search().resolver
    for text in _texts(args.text):
        _print(resolver.resolve(text).public())
    return 0


def cmd_nearest(args: argparse.Namespace) -> int:
    from knowledge.search import default_search

    search = default_search()
    need = Need(args.need) if args.need else None
    audience = Audience(args.audience) if args.audience else None
    if args.place:
        place = search.resolver.resolve(args.place)
        result = search.near_place(place, need, audience, args.limit)
        origin: dict[str, object] = {"place": place.public()}
    elif args.lat is not None and args.lon is not None:
        result = search.nearest(args.lat, args.lon, need, audience, args.limit)
        origin = {"lat": args.lat, "lon": args.lon}
    else:
        print("binhan nearest: give --lat and --lon, or --place TEXT", file=sys.stderr)
        return 2
    _print(
        {
            **origin,
            "province": result.province,
            "outside_vietnam": result.outside_vietnam,
            "services": [hit.public() for hit in result.hits],
            "hotlines": [
                {"number": h.number, "name": h.name.vi, "open_24_7": h.open_24_7}
                for h in search.hotlines(result.province)
            ],
        }
    )
    return 0


def cmd_kb_validate(args: argparse.Namespace) -> int:
    from knowledge.gazetteer import default_gazetteer

    path = Path(args.path) if args.path else None
    try:
        directory = load_directory(path, province_codes=default_gazetteer().provinces)
    except DirectoryError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"ok: {len(directory.services)} services, {len(directory.hotlines)} hotlines")
    return 0


def cmd_kb_import(args: argparse.Namespace) -> int:
    from knowledge.directory import bundled_folder
    from knowledge.importer import import_csv
    from knowledge.search import default_search

    search = default_search()
    known = {s.id for s in search.directory.services} | {h.id for h in search.directory.hotlines}
    source = Path(args.file)
    if not source.is_file():
        print(f"binhan kb import: {source} is not a file", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else bundled_folder() / "imported.yaml"
    if out.exists():
        known -= {s.id for s in load_directory(out).services}
    report = import_csv(source, search.resolver, known)
    for line, problems in report.rejected:
        for problem in problems:
            print(f"{source}:{line}: {problem}", file=sys.stderr)
    if report.accepted:
        dump_services(report.accepted, out)
    print(f"{len(report.accepted)} row(s) written to {out}; {len(report.rejected)} rejected")
    return 1 if report.rejected else 0


def cmd_triage(args: argparse.Namespace) -> int:
    from handlers.triage import triage

    for text in _texts(args.text):
        _print(triage(text).public(text))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import main as console_main

    return console_main(load_settings())


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import main as run_main

    return run_main(load_settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binhan",
        description="Bình An: a safety-first help chatbot for people facing violence in Vietnam.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    where = sub.add_parser("where", help="resolve typed places to 2025 provinces (JSON lines)")
    where.add_argument("text", nargs="+", help="text, or - to read one text per line on stdin")
    where.set_defaults(func=cmd_where)

    nearest = sub.add_parser("nearest", help="nearest fitting services (JSON)")
    nearest.add_argument("--lat", type=float)
    nearest.add_argument("--lon", type=float)
    nearest.add_argument("--place", help="a typed place instead of coordinates")
    nearest.add_argument("--need", choices=[n.value for n in Need])
    nearest.add_argument("--audience", choices=[a.value for a in Audience])
    nearest.add_argument("--limit", type=int, default=5)
    nearest.set_defaults(func=cmd_nearest)

    run = sub.add_parser("run", help="serve every configured channel (Telegram now)")
    run.set_defaults(func=cmd_run)

    console = sub.add_parser("console", help="chat with Bình An in this terminal (no token)")
    console.set_defaults(func=cmd_console)

    tri = sub.add_parser("triage", help="crisis triage of texts (JSON lines)")
    tri.add_argument("text", nargs="+", help="text, or - to read one text per line on stdin")
    tri.set_defaults(func=cmd_triage)

    kb = sub.add_parser("kb", help="the knowledge base: validate, import")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    validate = kb_sub.add_parser("validate", help="check directory files; exit 1 on problems")
    validate.add_argument("path", nargs="?", help="a file or folder (default: bundled data)")
    validate.set_defaults(func=cmd_kb_validate)
    importer = kb_sub.add_parser("import", help="import services from a CSV spreadsheet")
    importer.add_argument("file")
    importer.add_argument("--out", help="directory file to write (default: bundled imported.yaml)")
    importer.set_defaults(func=cmd_kb_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
