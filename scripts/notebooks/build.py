"""Writes the tutorial notebooks (cells only; scripts/run_notebooks.sh executes them and keeps the outputs).
Usage: .venv/bin/python scripts/notebooks/build.py [NAME ...]   (default: all)"""
import os
import sys

import nbformat as nbf

sys.path.insert(0, os.path.dirname(__file__))
import nb01_quickstart  # noqa: E402
import nb02_importance  # noqa: E402
import nb03_width_vs_depth  # noqa: E402
import nb04_distillation  # noqa: E402
import nb05_claims  # noqa: E402

NOTEBOOKS = {
    "01_quickstart.ipynb": nb01_quickstart,
    "02_importance.ipynb": nb02_importance,
    "03_width_vs_depth.ipynb": nb03_width_vs_depth,
    "04_distillation.ipynb": nb04_distillation,
    "05_claims.ipynb": nb05_claims,
}


def main(names: list) -> None:
    root = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks")
    for name, mod in NOTEBOOKS.items():
        if names and name not in names:
            continue
        nb = mod.build()
        nbf.validate(nb)
        nbf.write(nb, os.path.join(root, name))
        print(f"wrote notebooks/{name}")


if __name__ == "__main__":
    main(sys.argv[1:])
