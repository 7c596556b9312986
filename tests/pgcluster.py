"""A throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl on a loopback port in a temporary
folder, removed on close. Needs the server programs (initdb, pg_ctl, postgres) on the PATH or in the usual
Debian folder; `available()` says why not when they are missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def available() -> str | None:
    """None when a server can be started here, else the reason it cannot."""
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        return "PostgreSQL server programs (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and no unprivileged user to run PostgreSQL as"
    return None


def _run_as() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: use the `postgres` user, else `nobody`."""
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgCluster:
    """`with PgCluster() as pg: pg.url("dbname")` — a server of its own, stopped and deleted at exit."""

    def __init__(self, durable: bool = False) -> None:
        self.bindir = _bindir()
        self.durable = durable  # fsync on (benchmarks), off (tests: faster, and a crash loses only test data)
        self.root = Path(tempfile.mkdtemp(prefix="nashra-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "nashra"
        self._owner = _run_as() if os.geteuid() == 0 else None

    def _cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self._owner is not None:
            kwargs.update(user=self._owner.pw_uid, group=self._owner.pw_gid, extra_groups=[])
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              check=check, cwd=self.root, **kwargs)

    def start(self) -> "PgCluster":
        if self._owner is not None:
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self._cmd("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try:
            self._cmd("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        except subprocess.CalledProcessError as exc:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}{log[-2000:]}") from None
        return self

    def create_database(self, name: str) -> str:
        self._cmd("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def database_size(self, name: str) -> int:
        out = self._cmd("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", name, "-Atc",
                        f"SELECT pg_database_size('{name}')")
        return int(out.stdout.strip())

    def stop(self) -> None:
        if self.data.exists():
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PgCluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()
