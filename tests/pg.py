"""A throwaway PostgreSQL cluster for the tests, from the machine's own binaries.

One cluster per test session (``initdb`` in a temporary directory, a unix socket there, no TCP,
``fsync=off``: nothing in it must survive), and a fresh database per test (``CREATE DATABASE``
is a file copy of ``template1``: tens of milliseconds). initdb refuses to run as root, so as root
the cluster runs as the ``postgres`` user (or ``nobody``) through ``runuser``.

When no binaries are found the PostgreSQL half of the backend tests is skipped, and the test
summary says so in one line (``pytest_terminal_summary`` in conftest). CI installs Debian's
``postgresql`` package first (``.ci/run``), so there it is never absent.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

USER = "binhan"


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _run_as() -> list[str]:
    """The prefix that runs a command as a user initdb accepts."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser is None:
            raise RuntimeError("running as root and no runuser to start initdb as another user")
        return [runuser, "-u", name, "--"]
    raise RuntimeError("running as root and no postgres or nobody user for initdb")


@dataclass
class Cluster:
    """A running cluster; ``database()`` makes a new empty database and returns its URL."""

    folder: Path
    pg_ctl: str
    prefix: list[str]
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@/{database}?host={self.socket_dir}"

    def database(self) -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        psql = find_bin("psql") or "psql"
        done = subprocess.run(
            [psql, "-h", self.socket_dir, "-U", USER, "-d", database, "-XAtq", "-c", sql],
            capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    def stop(self) -> None:
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.folder / "data"), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> tuple[Cluster | None, str]:
    """A running cluster, or None and why not (for the test summary)."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None, "no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin"
    try:
        prefix = _run_as()
    except RuntimeError as exc:
        return None, str(exc)
    folder = Path(tempfile.mkdtemp(prefix="binhan-pg-"))
    if prefix:
        owner = pwd.getpwnam(prefix[2])
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    try:
        subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", USER,
                        "-E", "UTF8", "--no-sync", "--locale=C"],
                       capture_output=True, text=True, timeout=180, check=True)
        options = (f"-c listen_addresses='' -k {folder} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l",
                        str(folder / "log"), "-w", "-t", "120", "start"],
                       capture_output=True, text=True, timeout=180, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        shutil.rmtree(folder, ignore_errors=True)
        return None, f"the cluster did not start: {type(exc).__name__} {detail.strip()[:300]}"
    return Cluster(folder, pg_ctl, prefix), ""
