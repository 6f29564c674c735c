"""A notebook executed by nbclient (as CI executes the tutorials) with the minitron kernel: outputs validate
against the notebook format, rich library outputs carry their JSON payload and readable fallbacks."""
import nbformat
from nbclient import NotebookClient

from conftest import KERNEL_NAME, NOTEBOOK_DIR

CELLS = [
    "const spec: mt.ModelSpec = { family: 'gpt2', vocabSize: 50, hiddenSize: 16, numLayers: 2, numHeads: 2, numKvHeads: 2,\n"
    "  headDim: 8, ffnHiddenSize: 64, activation: 'gelu_new', mlpType: 'plain', normType: 'layernorm', normEps: 1e-5,\n"
    "  positional: 'learned', ropeTheta: 10000, ropeScaling: null, maxPositions: 32, tiedEmbeddings: true, qkvBias: true,\n"
    "  oBias: true, mlpBias: true, slidingWindow: null, bosTokenId: null, eosTokenId: null };\nspec",
    "const live = mt.liveLoss({ minIntervalMs: 0 });\n"
    "for (let step = 0; step < 5; step++) { live.push({ step, tokens: 32 * step, loss: 4 / (step + 1), lr: 1e-3 }); await mt.checkpoint(); }\n"
    "console.log('done');",
    "tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]",
]


def test_notebook_executes_with_rich_outputs():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "TypeScript (minitron)", "language": "typescript"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    NotebookClient(nb, timeout=120, startup_timeout=90, kernel_name=KERNEL_NAME,
                   resources={"metadata": {"path": NOTEBOOK_DIR}}).execute()
    nbformat.validate(nb)
    spec_out = nb.cells[0].outputs[0]
    assert spec_out.output_type == "execute_result"
    assert spec_out.data["application/vnd.minitron.model-spec+json"]["family"] == "gpt2"
    assert "<table>" in spec_out.data["text/html"] and "ModelSpec" in spec_out.data["text/plain"]
    # The live loss display was updated in place: one display whose final state has all 5 rows.
    displays = [o for o in nb.cells[1].outputs if o.output_type == "display_data"]
    assert len(displays) == 1
    assert len(displays[0].data["application/vnd.minitron.train-history+json"]["rows"]) == 5
    assert any(o.output_type == "stream" and "done" in o.text for o in nb.cells[1].outputs)
    results = [o for o in nb.cells[2].outputs if o.output_type == "execute_result"]
    assert results[0].data["text/plain"] == "6"
    assert nb.metadata["language_info"]["name"] == "typescript"
