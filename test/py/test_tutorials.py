"""The tutorials in notebooks/ executed end to end by nbclient with the minitron kernel, on the real pretrained
model, as a user runs them from JupyterLab (working directory notebooks/). Checks the numbers they print make sense:
pruning costs perplexity, distillation wins some of it back, the export reloads."""
import re

import nbformat
from nbclient import NotebookClient

from conftest import KERNEL_NAME, ROOT

NOTEBOOKS = ROOT / "notebooks"


def run(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=900, startup_timeout=120, kernel_name=KERNEL_NAME,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nbformat.validate(nb)
    return nb


def result(cell) -> dict:
    outs = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert outs, f"cell has no result: {cell.source[:80]}"
    return outs[-1].data


def test_prune_and_distill_tutorial():
    nb = run("01_prune_and_distill.ipynb")
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    by_src = {c.source.splitlines()[-1]: c for c in code}
    spec = result(by_src["teacher.spec"])["application/vnd.minitron.model-spec+json"]
    assert spec["numLayers"] == 30 and spec["hiddenSize"] == 576
    report = result(by_src["report"])["application/vnd.minitron.importance-report+json"]
    assert len(report["heads"]) == 30 and len(report["heads"][0]) == 9
    assert len(report["neurons"][0]) == 1536 and "bi" in report["layers"]
    plan = result(by_src["plan"])["application/vnd.minitron.arch-plan+json"]
    assert all(len(h) == 6 for h in plan["keep"]["heads"]) and all(len(n) == 1152 for n in plan["keep"]["neurons"])
    # The train-history display was updated with every step.
    train = next(c for c in code if "mt.distill(" in c.source)
    shown = [o for o in train.outputs if o.output_type == "display_data"]
    assert len(shown[-1].data["application/vnd.minitron.train-history+json"]["rows"]) == 8
    text = result(next(c for c in code if "distilled: distilledPpl.ppl" in c.source))["text/plain"]
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # util.inspect colours
    nums = dict(re.findall(r"(\w+):\s*([-+\d.eE]+)", text))
    teacher, pruned, distilled = (float(nums[k]) for k in ("teacher", "pruned", "distilled"))
    assert teacher < pruned, (teacher, pruned)
    assert distilled < pruned, (pruned, distilled)
    print(f"tutorial: Moby Dick ppl teacher {teacher:.2f}, pruned {pruned:.2f}, distilled {distilled:.2f}")
    export = result(code[-1])["text/plain"]
    assert "1152" in export
