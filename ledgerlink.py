#!/usr/bin/env python3
"""Set-up and start in one command, needing only Python 3.11+.

    python3 ledgerlink.py run    # create .venv, install, migrate, start web + worker + cron
    python3 ledgerlink.py test   # create .venv, install with test tools, run the test suite

Extra arguments after `test` go to pytest; after `run`, to `flask serve` (e.g. --port 8000).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("LEDGERLINK_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _install(extras):
    """Create the virtual environment and install the project, skipping unchanged installs."""
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    stamp = VENV / ".ledgerlink-installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing Ledgerlink{' and test tools' if extras else ''} ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-e", spec], cwd=ROOT, check=True)
    stamp.write_text(digest)


def _ensure_chromium():
    """Browser tests use Debian's chromium; install it when we can (root with apt-get)."""
    if Path("/usr/bin/chromium").exists():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and Path("/usr/bin/apt-get").exists():
        print("Installing Debian's chromium for the browser tests ...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ,
                                                       "DEBIAN_FRONTEND": "noninteractive"}}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, **quiet)
    if not Path("/usr/bin/chromium").exists():
        print("Note: chromium is not installed (apt-get install chromium); the browser tests "
              "will be skipped.", flush=True)


def main(argv):
    """Dispatch `run` or `test`."""
    if not argv or argv[0] not in {"run", "test"}:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    if command == "run":
        _install("")
        args = [str(BIN / "flask"), "--app", "app", "serve", *rest]
    else:
        _install("test")
        _ensure_chromium()
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    return subprocess.call(args, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
