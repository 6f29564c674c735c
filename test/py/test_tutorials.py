"""The tutorial notebooks (notebooks/NN_*.ipynb), executed end to end by nbclient with the minitron kernel in short
mode (MINITRON_SHORT=1: the same cells with tiny budgets), as a user runs them from JupyterLab (working directory
notebooks/). Each must run without an error, show its reproducibility stamp and the rich outputs it promises, and its
numbers must make sense."""
import json
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import KERNEL_NAME, ROOT

NOTEBOOKS = ROOT / "notebooks"
MIME = "application/vnd.minitron.{}+json"


def run(name: str) -> list:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    os.environ["MINITRON_SHORT"] = "1"
    NotebookClient(nb, timeout=900, startup_timeout=120, kernel_name=KERNEL_NAME,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [f"{o.ename}: {o.evalue}" for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    return code


def mimes(cells: list) -> set:
    return {m for c in cells for o in c.outputs if o.output_type in ("display_data", "execute_result") for m in o.data}


def result(code: list, marker: str) -> dict:
    """The execute_result data of the first cell whose source contains `marker`."""
    cell = next(c for c in code if marker in c.source)
    outs = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert outs, f"cell has no result: {cell.source[:80]}"
    return outs[-1].data


def numbers(text: str) -> dict:
    """name: value pairs of a util.inspect-printed object."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return {k: float(v) for k, v in re.findall(r"(\w+):\s*([-+\d.eE]+)", text)}


def test_every_notebook_is_tested():
    """Each committed notebook NN_name.ipynb has a test_NN_name here (so CI executes it)."""
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert "01_quickstart" in names
    missing = [n for n in names if f"test_{n}" not in globals()]
    assert not missing, f"notebooks without a test: {missing}"


def test_01_quickstart():
    code = run("01_quickstart.ipynb")
    assert {MIME.format(k) for k in ("stamp", "model-summary", "importance-report", "arch-plan", "train-history")} <= mimes(code)
    stamp = next(o.data[MIME.format("stamp")] for o in code[0].outputs if MIME.format("stamp") in o.get("data", {}))
    assert stamp["env"]["MINITRON_SHORT"] == "1" and len(stamp["sha256"]["model"]) == 64
    n = numbers(result(code, "const maskedPpl")["text/plain"])
    assert n["fewer"] >= 0.2, n
    assert abs(n["maskedPpl"] - n["prunedPpl"]) < 1e-6 * n["prunedPpl"], "a masked plan equals its sliced model"
    assert n["teacherPpl"] < n["prunedPpl"], n
    hist = [o.data[MIME.format("train-history")] for o in code[next(i for i, c in enumerate(code) if "mt.distill(" in c.source)].outputs
            if MIME.format("train-history") in o.get("data", {})][-1]
    assert len(hist["rows"]) == 4 and all(r["kl"] >= 0 for r in hist["rows"]) and "evalLoss" in hist["rows"][-1]
    export = numbers(result(code, "saveCheckpoint(outDir")["text/plain"])
    assert export["ffn"] == 1008


def short_stamp(code: list) -> dict:
    return next(o.data[MIME.format("stamp")] for o in code[0].outputs if MIME.format("stamp") in o.get("data", {}))


def test_02_importance():
    code = run("02_importance.ipynb")
    assert {MIME.format(k) for k in ("stamp", "importance-report")} | {"image/svg+xml", "text/html"} <= mimes(code)
    assert short_stamp(code)["env"]["MINITRON_SHORT"] == "1"
    agg = numbers(result(code, "const aggs =")["text/plain"])
    assert agg["combinations"] == 9 and agg["bestPpl"] <= agg["worstPpl"], agg
    vs = numbers(result(code, "const reports:")["text/plain"])
    # Random or magnitude choices drop the few MLP neurons / channels with massive activations; activations keep them.
    assert vs["MLP_activation"] < min(vs["MLP_random"], vs["MLP_magnitude"]), vs
    assert vs["channels_activation"] < vs["channels_random"], vs
    depth = numbers(result(code, "const L = teacher")["text/plain"])
    assert depth["windows"] == 30 - 6 + 1, depth
    assert all(depth[k] > depth["teacher"] for k in ("ppl", "bi", "taylor", "taylorplus", "contiguous_window", "random")), depth
    layer = 884_736 + 2_654_208 + 2 * 576  # attention + MLP + two RMSNorms of one SmolLM2 layer
    assert depth["paramsAfter"] == 134_515_008 - 6 * layer, depth


def test_03_width_vs_depth():
    code = run("03_width_vs_depth.ipynb")
    assert {MIME.format(k) for k in ("stamp", "importance-report", "arch-plan", "progress")} | {"text/html"} <= mimes(code)
    assert short_stamp(code)["env"]["MINITRON_SHORT"] == "1"
    what = numbers(result(code, "const edited = editor.plan")["text/plain"])
    assert what["relativeDifference"] < 1e-5, "a masked plan equals its sliced model (float32 rounding)"
    assert what["maskedPpl"] > what["teacherPpl"], what
    eq = numbers(result(code, "function matchFfn")["text/plain"])
    assert eq["maxParamGap"] <= 0.01, eq
    for k in ("widthMlp", "widthHeadsMlp", "widthChannelsMlp"):
        assert abs(eq[f"{k}Params"] - eq["depthParams"]) <= 0.01 * eq["depthParams"], (k, eq)
    assert eq["depthParams"] <= 0.8 * 134_515_008, "the depth candidate removes about a fifth"
    search = numbers(result(code, "const budget =")["text/plain"])
    assert search["scored"] == 3 and search["bestParams"] <= search["budget"], search
    kd = numbers(result(code, "rescoreWithDistillation(")["text/plain"])
    assert kd["distilled"] == 2 and kd["winnerParams"] <= search["budget"], kd
    check = numbers(result(code, "check.py")["text/plain"])
    assert check["maxAbsDiff"] <= 1e-3, "transformers loads the export with the same logits"
    assert check["ourParams"] == check["transformersParams"] == kd["winnerParams"], check


def test_04_distillation():
    code = run("04_distillation.ipynb")
    assert {MIME.format(k) for k in ("stamp", "train-history")} <= mimes(code)
    resume = numbers(result(code, "const stop = new AbortController()")["text/plain"])
    assert resume["stoppedAt"] == 2 and resume["resumedTo"] == 3, resume
    assert resume["maxLossDiffVsStraight"] < 1e-6, "an interrupted and resumed run takes the same steps as a straight one"
    text = re.sub(r"\x1b\[[0-9;]*m", "", result(code, "await train('KD τ = 2'")["text/plain"])
    for name in ("KD (forward KL)", "CE only", "KD + CE", "KD + states", "KD τ = 2", "KD top-64"):
        assert name in text, (name, text)



def test_05_claims():
    code = run("05_claims.ipynb")
    assert {MIME.format(k) for k in ("stamp", "train-history")} <= mimes(code)
    sizes = numbers(result(code, "const plans = {")["text/plain"])
    assert sizes["droppedLayers"] == 8 and sizes["sizeGap"] < 0.01, sizes
    before = numbers(result(code, "const beforeRetraining")["text/plain"])
    assert before["teacher"] < min(before["activation"], before["magnitude"], before["random"]), before
    gemma = numbers(result(code, "const gemmaBeforeRetraining")["text/plain"])
    assert gemma["teacher"] < min(gemma["activation"], gemma["magnitude"], gemma["random"]), gemma
    verdict = re.sub(r"\x1b\[[0-9;]*m", "", result(code, "const claims: Array")["text/plain"])
    assert "on Gemma 3 270M" in verdict and verdict.count("holds:") == 5, verdict
    table = re.sub(r"\x1b\[[0-9;]*m", "", result(code, "const rows = [")["text/plain"])
    for name in ("teacher", "width + KD", "depth + KD", "width + CE only", "width, from scratch + KD"):
        assert name in table, (name, table)
    acc = [float(x) for x in re.findall(r"(?:lastWordAcc|continuationAcc):\s*([\d.]+)", table)]
    assert len(acc) == 10 and all(0 <= a <= 1 for a in acc), acc
