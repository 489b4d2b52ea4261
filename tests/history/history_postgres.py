"""A throwaway PostgreSQL server for the history tests: initdb + pg_ctl on a free port in a temporary folder.

PostgreSQL refuses to run as root, so under root (CI containers) the server runs as the `postgres` user.
Missing binaries skip the tests with the reason, except under CI=true, where they fail (like the browser tests).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "evalkit"


@dataclass
class PostgresServer:
    port: int
    root: Path
    pg_ctl: str
    prefix: list[str]  # runs a command as the server's user

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, self.pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def unavailable(reason: str) -> None:
    """Skip with the reason; under CI=true, fail instead (CI must run these tests)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def find_binary(name: str) -> str | None:
    """On PATH, else Debian's /usr/lib/postgresql/<version>/bin (the `postgresql` package puts them there)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


def start_server() -> PostgresServer:
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        unavailable("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed: pip install 'evalkit[postgres]'")
    prefix, owner = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="evalkit-pg-"))  # /tmp: reachable by the server's user, unlike pytest's tmp
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, log = root / "data", root / "server.log"
    _run([*prefix, initdb, "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"], root)
    port = _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"], root)
    return PostgresServer(port=port, root=root, pg_ctl=pg_ctl, prefix=prefix)


def _as_server_user() -> tuple[list[str], pwd.struct_passwd | None]:
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("running as root and there is no `postgres` user to run the server as")
    setpriv = shutil.which("setpriv")
    if not setpriv:
        unavailable("running as root and setpriv (util-linux) is missing to run the server as `postgres`")
    return [setpriv, f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups"], owner


def _run(cmd: list[str], root: Path) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, cwd=root)
    if out.returncode != 0:
        log = root / "server.log"
        tail = log.read_text()[-800:] if log.exists() else ""
        pytest.fail(f"{' '.join(cmd[-3:])} failed ({out.returncode}): {out.stderr[-800:]} {tail}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(server: PostgresServer, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(host="127.0.0.1", port=server.port, user=SUPERUSER, dbname="postgres").close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
