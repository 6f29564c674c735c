"""Shared pieces of the tutorial notebooks (notebooks/NN_*.ipynb are written by build.py from the nbNN_*.py modules).

Every notebook opens the same way: short or full mode from MINITRON_SHORT, the backend, the real model, and a
reproducibility stamp that is updated at the end with the plan and data it used."""
import nbformat as nbf

KERNELSPEC = {"name": "minitron", "display_name": "TypeScript (minitron)", "language": "typescript"}


def md(text: str) -> nbf.NotebookNode:
    return nbf.v4.new_markdown_cell(text.strip("\n"))


def code(src: str) -> nbf.NotebookNode:
    return nbf.v4.new_code_cell(src.strip("\n"))


def setup_cell(short: str, full: str) -> nbf.NotebookNode:
    """The first code cell: mode, budgets (one object for both modes), backend, teacher and the opening stamp."""
    return code(f"""
// MINITRON_SHORT=1 (set by CI) runs every cell with tiny budgets; the committed outputs are from the full run.
const SHORT = process.env.MINITRON_SHORT === '1';
const B = SHORT
  ? {short}
  : {full};
const backend = await mt.selectBackend();
const MODEL = '../.cache/models/smollm2-135m';
const teacher = await mt.loadModel(MODEL);
const tok = teacher.tokenizer!;
const sotu = mt.sotuText();     // calibration and training text: US State of the Union addresses (public domain)
const moby = mt.mobyDickText(); // held-out text: Moby Dick (public domain)
const stampView = mt.display(mt.stamp({{ seed: 0, model: MODEL, data: {{ sotu, moby }}, extra: {{ budgets: B }} }}));
""")


def stamp_update_cell(plan_expr: str = "null") -> nbf.NotebookNode:
    return code(f"""
// The stamp at the top now also carries the plan this notebook produced.
stampView.update(mt.stamp({{ seed: 0, model: MODEL, data: {{ sotu: sotu, moby: moby }}, plan: {plan_expr}, extra: {{ budgets: B }} }}));
'stamp updated'
""")


def notebook(cells: list) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"}
    return nb
