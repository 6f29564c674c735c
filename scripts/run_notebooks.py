"""Executes the tutorial notebooks with the minitron kernel of this checkout and saves them with their outputs.

Usage: .venv/bin/python scripts/run_notebooks.py [--short] [--timeout SECONDS] [NAME.ipynb ...]   (default: all)
Full mode (the default) produces the outputs committed to notebooks/; --short sets MINITRON_SHORT=1 (what CI runs)
and writes nothing unless --write is given. Each notebook's wall time is printed and kept in its metadata."""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def install_kernel() -> None:
    """Installs this checkout's kernelspec into a private prefix first on JUPYTER_PATH (never another checkout's)."""
    prefix = tempfile.mkdtemp(prefix="minitron-ks-")
    subprocess.run(["node", str(ROOT / "kernel" / "bin" / "minitron-kernel.js"), "install", "--prefix", prefix],
                   check=True, stdout=subprocess.DEVNULL)
    os.environ["JUPYTER_PATH"] = os.pathsep.join([os.path.join(prefix, "share", "jupyter"), os.environ.get("JUPYTER_PATH", "")])


def execute(path: Path, short: bool, timeout: int) -> tuple:
    nb = nbformat.read(path, as_version=4)
    os.environ["MINITRON_SHORT"] = "1" if short else "0"
    t0 = time.time()
    NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name="minitron",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    seconds = time.time() - t0
    nb.metadata["minitron"] = {"mode": "short" if short else "full", "seconds": round(seconds, 1)}
    nbformat.validate(nb)
    return nb, seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--write", action="store_true", help="with --short: save the short-mode outputs too")
    ap.add_argument("--timeout", type=int, default=6 * 3600, help="per cell")
    a = ap.parse_args()
    install_kernel()
    names = a.names or sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for name in names:
        nb, seconds = execute(NOTEBOOKS / name, a.short, a.timeout)
        if not a.short or a.write:
            nbformat.write(nb, NOTEBOOKS / name)
        print(f"{name}: {'short' if a.short else 'full'} mode, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
