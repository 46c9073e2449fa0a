"""``python -m bertedu lab`` (and ``make lab``): JupyterLab on the course's notebooks.

JupyterLab refuses to start as root unless told ``--allow-root``; containers, cloud notebooks and CI
machines often run as root. This command passes ``--allow-root`` exactly when the user is root, sets
the access token itself and prints the URL with it before the server starts, so the link is right
even when JupyterLab's own banner scrolls away.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--notebooks", default=str(NOTEBOOKS), metavar="DIR",
                        help="folder to open (default: the course's notebooks/)")
    parser.add_argument("--port", type=int, default=8888, help="port to serve on (default 8888)")
    parser.add_argument("--ip", default="localhost",
                        help="address to listen on (default localhost; 0.0.0.0 inside a container)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")


def lab_command(notebooks: str, port: int, ip: str, token: str, euid: int,
                no_browser: bool = False) -> list[str]:
    """The ``jupyter lab`` command line: ``--allow-root`` only for root (euid 0)."""
    command = [sys.executable, "-m", "jupyter", "lab", notebooks, f"--ServerApp.ip={ip}",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}"]
    if euid == 0:
        command.append("--allow-root")
    if no_browser:
        command.append("--no-browser")
    return command


def run(args: argparse.Namespace) -> int:
    if not Path(args.notebooks).is_dir():
        raise FileNotFoundError(f"--notebooks {args.notebooks} is not a folder")
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be in 1..65535, got {args.port}")
    if shutil.which("jupyter", path=str(Path(sys.executable).parent)) is None and shutil.which("jupyter") is None:
        raise FileNotFoundError("JupyterLab is not installed here: run `make setup` (or pip install jupyterlab)")
    token = secrets.token_hex(24)
    euid = os.geteuid() if hasattr(os, "geteuid") else 1
    command = lab_command(args.notebooks, args.port, args.ip, token, euid, args.no_browser)
    host = "localhost" if args.ip in ("0.0.0.0", "") else args.ip
    print(f"JupyterLab on {args.notebooks}{' (as root: --allow-root)' if euid == 0 else ''}", flush=True)
    print(f"open http://{host}:{args.port}/lab?token={token}", flush=True)
    os.execv(command[0], command)  # replaces this process: Ctrl-C stops JupyterLab
    return 0
