"""Shared set-up for the kernel tests: the minitron kernelspec installed into a private temporary prefix
(put first on JUPYTER_PATH), so the tests always run this checkout's kernel, whatever .venv has installed."""
import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "minitron"
# A folder without node_modules: the kernel must bring `mt` and `tf` itself.
NOTEBOOK_DIR = tempfile.mkdtemp(prefix="minitron-nb-")
_SPEC_PREFIX = tempfile.mkdtemp(prefix="minitron-ks-")


def _ensure_built() -> None:
    if not (ROOT / "dist" / "index.js").exists():
        subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=ROOT, check=True)
    if not (ROOT / "kernel" / "dist" / "main.js").exists():
        subprocess.run(["npx", "tsc", "-p", "kernel/tsconfig.json"], cwd=ROOT, check=True)


def _install_spec() -> None:
    _ensure_built()
    subprocess.run(["node", str(ROOT / "kernel" / "bin" / "minitron-kernel.js"), "install", "--prefix", _SPEC_PREFIX],
                   check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(_SPEC_PREFIX, "share", "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([path] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])


_install_spec()
atexit.register(shutil.rmtree, _SPEC_PREFIX, True)
atexit.register(shutil.rmtree, NOTEBOOK_DIR, True)


@pytest.fixture(scope="module")
def kernel():
    """One minitron kernel per test module (started from the private kernelspec above)."""
    import kutil  # imported here: kutil reads this module's constants
    km, kc = kutil.start()
    yield km, kc
    kutil.stop(km, kc)


@pytest.fixture()
def kc(kernel):
    """The module's kernel client, its queues drained before each test."""
    import kutil
    kutil.drain(kernel[1])
    return kernel[1]
