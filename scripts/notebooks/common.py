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


def stamp_update_cell(plan_expr: str = "null", files_expr: str = "") -> nbf.NotebookNode:
    files = f"files: {files_expr}, " if files_expr else ""
    return code(f"""
// The stamp at the top now also carries the plan this notebook produced.
stampView.update(mt.stamp({{ seed: 0, model: MODEL, data: {{ sotu: sotu, moby: moby }}, plan: {plan_expr}, {files}extra: {{ budgets: B }} }}));
'stamp updated'
""")


def notebook(cells: list) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"}
    return nb


def helpers_cell(extra: str = "") -> nbf.NotebookNode:
    """Calibration windows, held-out ids, a table display and the what-if perplexity of a plan on the teacher."""
    return code("""
// Calibration: random windows of State of the Union text (seeded). Held out: the opening of Moby Dick, tokenised once.
const calib = mt.calibrationBatches(sotu, (s: string) => tok.encode(s),
  { samples: B.calibSamples, seqLen: B.calibLen, batchSize: B.calibBatch, seed: 0 }); // [batch][sequence][token]
const mobyIds = tok.encode(moby.slice(0, 60_000));

/** Perplexity of the teacher on the held-out tokens, with a plan applied as masks (no weight is copied). */
async function whatIf(plan: mt.ArchPlan | null): Promise<number> {
  const fwd = plan === null ? {} : mt.forwardOptionsFromPlan(plan);
  const seqLen = Math.min(256, B.evalTokens);
  return (await mt.perplexityOfIds(teacher.spec, teacher.params, mobyIds, { seqLen: seqLen, stride: seqLen, maxTokens: B.evalTokens, forward: fwd })).ppl;
}

/** Rows of objects as a table: HTML for JupyterLab, GitHub and nbviewer, aligned text elsewhere. */
function table(rows: Record<string, unknown>[], caption: string): Record<string, string> {
  const cols = Object.keys(rows[0] ?? {});
  const fmt = (v: unknown): string => typeof v !== 'number' ? String(v)
    : v >= mt.PROTECTED_SCORE ? 'protected' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4);
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const grid = [cols, ...rows.map((r) => cols.map((c) => fmt(r[c])))];
  const width = cols.map((_, j) => Math.max(...grid.map((r) => r[j].length)));
  const text = grid.map((r) => r.map((s, j) => s.padEnd(width[j])).join('  ').trimEnd()).join('\\n');
  const head = `<thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
  const body = grid.slice(1).map((r) => `<tr>${r.map((s) => `<td>${esc(s)}</td>`).join('')}</tr>`).join('');
  return { 'text/html': `<table><caption>${esc(caption)}</caption>${head}<tbody>${body}</tbody></table>`, 'text/plain': `${caption}\\n${text}` };
}
""" + extra + """
const teacherPpl = await whatIf(null);
({ calibration: `${calib.length} batches × ${calib[0].length} × ${calib[0][0].length} tokens`, heldOutTokens: B.evalTokens, teacherPpl: teacherPpl })
""")
