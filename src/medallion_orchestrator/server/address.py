"""Where a home's server listens, where it logs, and which code it runs."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import medallion_orchestrator
from medallion_orchestrator import variables


def socket_path(home: Path) -> Path:
    """A short path (Unix sockets take about 100 bytes) in a folder only this user may open."""
    return servers_folder() / f"{_key(home)}.sock"


def start_lock(home: Path) -> Path:
    """The file whose lock one process holds while it starts the home's server."""
    return servers_folder() / f"{_key(home)}.lock"


def servers_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"medallion-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise PermissionError(f"{folder} must belong to this user alone (chmod 700 {folder})")
    return folder


def _key(home: Path) -> str:
    return hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:24]


def server_log(home: Path) -> Path:
    return home / "logs" / "server.log"


PACKAGE = Path(medallion_orchestrator.__file__).parent


def fingerprint(package: Path = PACKAGE) -> str:
    """This Python, the package's files as they are on disk and the JVM's settings: a server
    started before an edit, an upgrade or a new heap size is not what the command would run."""
    digest = hashlib.sha256(sys.executable.encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for name, value in sorted(variables.jvm_settings().items()):
        digest.update(f"{name}={value};".encode())
    return digest.hexdigest()[:16]
