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
    from knowledge.abroad import default_abroad
    from knowledge.search import default_search

    resolver = default_search().resolver
    abroad = default_abroad()
    for text in _texts(args.text):
        row = resolver.resolve(text).public()
        found = abroad.find_in_text(text)
        row["abroad"] = None if found is None else {"country": found[0], "city": found[1]}
        _print(row)
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
            "country": result.country,
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
    print(
        f"ok: {len(directory.services)} services, {len(directory.hotlines)} hotlines, "
        f"{len(directory.commune_bodies)} bodies in each of "
        f"{len(default_gazetteer().communes)} communes"
    )
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


def cmd_kb_coverage(args: argparse.Namespace) -> int:
    """Per 2025 province: in-person places by need and km from communes to the nearest one."""
    from knowledge.coverage import coverage, draw_map
    from knowledge.search import default_search

    search = default_search()
    figures = coverage(search)
    for row in figures.provinces:
        _print(row.public())
    _print(figures.national.public())
    if args.map:
        out = Path(args.map)
        if not out.parent.is_dir():
            print(f"binhan kb coverage: {out.parent} is not a folder", file=sys.stderr)
            return 2
        draw_map(search, figures, out)
        print(f"map written to {out}", file=sys.stderr)
    return 0


def cmd_kb_stale(args: argparse.Namespace) -> int:
    """Entries whose verification is older than N days, or that were never verified."""
    import datetime as dt

    from knowledge.stale import stale_entries

    path = Path(args.path) if args.path else None
    try:
        directory = load_directory(path)
    except DirectoryError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    today = args.today or dt.date.today()
    for entry in stale_entries(directory, args.days, today):
        _print(entry.public())
    return 0


def _date(text: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from exc
    if value < 0:
        raise argparse.ArgumentTypeError("days cannot be negative")
    return value


def cmd_triage(args: argparse.Namespace) -> int:
    from handlers.triage import triage

    if args.eval:
        return _triage_eval(Path(args.eval), args.errors)
    if not args.text:
        print("give a text, - for stdin, or --eval FILE", file=sys.stderr)
        return 2
    for text in _texts(args.text):
        _print(triage(text).public(text))
    return 0


def _triage_eval(path: Path, errors: bool) -> int:
    """Recall and false-alarm rate per category and overall on a labelled file (JSON lines);
    with ``--errors`` also each miss and false alarm (the file's own text, not a person's)."""
    from handlers.triage_eval import EvalFormatError, evaluate_file

    try:
        report = evaluate_file(path)
    except (OSError, UnicodeDecodeError, EvalFormatError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    for row in report.rows():
        _print(row)
    if errors:
        for outcome in report.misses + report.false_alarms:
            _print({"error": "missed" if outcome.missed else "false_alarm",
                    "line": outcome.example.line,
                    "categories": [c.value for c in outcome.example.categories],
                    "reasons": [r.value for r in outcome.result.reasons],
                    "text": outcome.example.text})
    return 0


def cmd_triage_report(args: argparse.Namespace) -> int:
    """Staff corrections of triage (misses and false alarms) by week and reason category."""
    import asyncio

    async def run(store, secrets) -> int:  # type: ignore[no-untyped-def]
        async with store.unit_of_work() as uow:
            for row in await uow.triage_corrections.by_week():
                _print(row)
        return 0

    return asyncio.run(_with_store(run))


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import main as console_main

    return console_main(load_settings())


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import main as run_main

    return run_main(load_settings())


async def _with_store(action):  # type: ignore[no-untyped-def]
    from bot.crypto import load_secrets
    from bot.storage import Store

    settings = load_settings()
    secrets = load_secrets(settings)
    store = await Store(settings.database_path, secrets,
                        database_url=settings.database_url).open()
    try:
        return await action(store, secrets)
    finally:
        await store.close()


def cmd_staff(args: argparse.Namespace) -> int:
    import asyncio
    import datetime as dt

    async def run(store, secrets) -> int:  # type: ignore[no-untyped-def]
        now = dt.datetime.now(dt.UTC)
        async with store.unit_of_work() as uow:
            if args.staff_command == "add" and (args.user_id is None or args.web):
                from bot.web.cli import add_web_account  # a console account (and Telegram too)

                code = await add_web_account(uow, secrets, load_settings(), args, now)
                if code:
                    return code
            elif args.staff_command == "add":
                key = secrets.hash_id("staff", args.user_id)
                name = args.name or f"staff-{str(args.user_id)[-4:]}"
                await uow.staff.add(key, args.user_id, args.role, name, now)
                await uow.audit.record("admin (cli)", f"staff_add:{args.role}", now,
                                       detail=name)
                print(f"added {name} as {args.role}")
            elif args.staff_command == "remove" and (args.user_id is None or args.web):
                from bot.web.cli import remove_web_account  # a console account (and Telegram)

                code = await remove_web_account(uow, secrets, args, now)
                if code:
                    return code
            elif args.staff_command == "remove":
                removed = await uow.staff.remove(secrets.hash_id("staff", args.user_id))
                if not removed:
                    print("no such staff member", file=sys.stderr)
                    return 1
                await uow.audit.record("admin (cli)", "staff_remove", now)
                print("removed")
            else:
                for member in await uow.staff.all():
                    _print({"id": member["user_id"], "role": member["role"],
                            "name": member["name"]})
                from bot.web.cli import web_accounts  # console accounts

                for account in await web_accounts(uow):
                    _print(account)
            await uow.commit()
        return 0

    return asyncio.run(_with_store(run))


def cmd_purge(args: argparse.Namespace) -> int:
    import asyncio
    import datetime as dt

    from bot.storage import Purger, retention_from

    async def run(store, secrets) -> int:  # type: ignore[no-untyped-def]
        purger = Purger(store)
        counts = await purger.purge(retention_from(load_settings()), dt.datetime.now(dt.UTC))
        await purger.vacuum()
        _print(counts)
        return 0

    return asyncio.run(_with_store(run))


def cmd_forget(args: argparse.Namespace) -> int:
    import asyncio
    import datetime as dt

    from bot.storage import Purger

    async def run(store, secrets) -> int:  # type: ignore[no-untyped-def]
        purger = Purger(store)
        if not await purger.forget(args.code, dt.datetime.now(dt.UTC)):
            print(f"no case {args.code}", file=sys.stderr)
            return 1
        await purger.vacuum()
        print(f"erased the data of the person behind case {args.code.upper()}")
        return 0

    return asyncio.run(_with_store(run))


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Re-encrypt the database with a new secret. With a key file, the new key replaces it;
    with SECRET_KEY in the environment, NEW_SECRET_KEY must hold the new one."""
    import asyncio
    import datetime as dt
    import os
    import secrets as pysecrets

    from bot.crypto import Secrets
    from bot.storage import rotate_key

    settings = load_settings()
    new_key = os.environ.get("NEW_SECRET_KEY")
    if settings.secret_key and not new_key:
        print("SECRET_KEY comes from the environment: put the new key in NEW_SECRET_KEY",
              file=sys.stderr)
        return 2
    if new_key is not None and len(new_key) < 32:
        print("NEW_SECRET_KEY must be at least 32 characters", file=sys.stderr)
        return 2
    new_key = new_key or pysecrets.token_urlsafe(48)
    staged = settings.secret_key_file.with_suffix(".new")
    if not settings.secret_key:
        # The new key is on disk before the database depends on it.
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_key + "\n")

    async def run(store, secrets) -> int:  # type: ignore[no-untyped-def]
        if await store.locks.held("running", dt.datetime.now(dt.UTC)):
            return 3
        count = await rotate_key(store, Secrets(new_key))
        print(f"re-encrypted {count} field(s)")
        return 0

    result = asyncio.run(_with_store(run))
    if result == 3:  # nothing was changed; the staged key is not the key
        if not settings.secret_key:
            staged.unlink(missing_ok=True)
        print("binhan run is using this database: stop it first (a bot killed without "
              "stopping holds the lock for 30 s)", file=sys.stderr)
        return 3
    if settings.secret_key:
        print("done: set SECRET_KEY to the value of NEW_SECRET_KEY before the next start")
    else:
        os.replace(staged, settings.secret_key_file)
        print(f"done: {settings.secret_key_file} now holds the new key")
    return result


def cmd_audit(args: argparse.Namespace) -> int:
    import asyncio

    async def run(store, secrets) -> int:  # type: ignore[no-untyped-def]
        async with store.unit_of_work() as uow:
            for entry in await uow.audit.entries(args.case):
                _print(entry)
        return 0

    return asyncio.run(_with_store(run))


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

    staff = sub.add_parser("staff", help="register staff: add, list, remove")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="register a Telegram user as staff")
    add.add_argument("user_id", type=int, nargs="?",
                     help="the staff member's Telegram user id (optional with --web)")
    add.add_argument("--web", metavar="LOGIN",
                     help="also a web console account with this login name: prints a one-time "
                     "setup link")
    add.add_argument("--role", choices=["staff", "supervisor", "admin"], default="staff")
    add.add_argument("--name", help="how colleagues see them in alerts and the audit log")
    add.set_defaults(func=cmd_staff)
    staff_sub.add_parser("list", help="registered staff (JSON lines)").set_defaults(
        func=cmd_staff)
    remove = staff_sub.add_parser("remove", help="unregister a staff member")
    remove.add_argument("user_id", type=int, nargs="?")
    remove.add_argument("--web", metavar="LOGIN", help="remove this console account too")
    remove.set_defaults(func=cmd_staff)

    audit = sub.add_parser("audit", help="the audit log of staff actions (JSON lines)")
    audit.add_argument("--case", help="only this case code")
    audit.set_defaults(func=cmd_audit)

    rotate = sub.add_parser("rotate-key", help="re-encrypt the database with a new secret key")
    rotate.set_defaults(func=cmd_rotate_key)

    purge = sub.add_parser("purge", help="delete what is past its retention period")
    purge.set_defaults(func=cmd_purge)
    forget = sub.add_parser("forget", help="erase one person's data, by case code (admin)")
    forget.add_argument("code")
    forget.set_defaults(func=cmd_forget)

    console = sub.add_parser("console", help="chat with Bình An in this terminal (no token)")
    console.set_defaults(func=cmd_console)

    tri = sub.add_parser("triage", help="crisis triage of texts (JSON lines)")
    tri.add_argument("text", nargs="*", help="text, or - to read one text per line on stdin")
    tri.add_argument("--eval", metavar="FILE",
                     help="score a labelled file: recall and false alarms per category")
    tri.add_argument("--errors", action="store_true", help="with --eval: list each error")
    tri.set_defaults(func=cmd_triage)
    report = sub.add_parser("triage-report",
                            help="staff corrections of triage by week and category (JSON lines)")
    report.set_defaults(func=cmd_triage_report)

    kb = sub.add_parser("kb", help="the knowledge base: validate, import, coverage, stale")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    validate = kb_sub.add_parser("validate", help="check directory files; exit 1 on problems")
    validate.add_argument("path", nargs="?", help="a file or folder (default: bundled data)")
    validate.set_defaults(func=cmd_kb_validate)
    importer = kb_sub.add_parser("import", help="import services from a CSV spreadsheet")
    importer.add_argument("file")
    importer.add_argument("--out", help="directory file to write (default: bundled imported.yaml)")
    importer.set_defaults(func=cmd_kb_import)
    cover = kb_sub.add_parser(
        "coverage", help="per province: places by need, km from communes to the nearest (JSON)"
    )
    cover.add_argument("--map", metavar="FILE.png", help="also draw the communes by that distance")
    cover.set_defaults(func=cmd_kb_coverage)
    stale = kb_sub.add_parser("stale", help="entries not verified within N days (JSON lines)")
    stale.add_argument("--days", type=_days, required=True)
    stale.add_argument("--today", type=_date, help="the date to count from (default: today)")
    stale.add_argument("path", nargs="?", help="a file or folder (default: bundled data)")
    stale.set_defaults(func=cmd_kb_stale)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from bot.crypto import SecretError

    try:
        load_settings()
        return int(args.func(args) or 0)
    except (ConfigError, SecretError) as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
