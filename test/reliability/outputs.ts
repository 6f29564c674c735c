/**
 * Bad-input cases about outputs (never overlapping an input, through symlinks and hard links; writable; the right
 * kind), importance reports and plans, and training checkpoints given to --resume.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyDir, editJson, type Fixture } from './fixture.js';
import { distill, imp, M, prune, search, type BadCase } from './cases.js';

const link = (target: string, at: string): string => {
  fs.symlinkSync(target, at);
  return at;
};
const L = (d: string): string => path.join(d, 'link');

const OVERLAP: BadCase[] = [
  { name: 'importance --out is the model config.json', argv: (f) => imp(f.model, f.text, path.join(f.model, 'config.json')), error: 'OutputPathError', match: /--out .*config.json: is the input file|lies inside the input folder/ },
  { name: 'importance --out is the calibration text', argv: (f) => imp(f.model, f.text, f.text), error: 'OutputPathError', match: /is the input file .*text.txt/ },
  { name: 'importance --out inside the model folder', argv: (f) => imp(f.model, f.text, path.join(f.model, 'report.json')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'importance --out through a symlink to the model folder', setup: (f, d) => { link(f.model, L(d)); }, argv: (f, d) => imp(f.model, f.text, path.join(L(d), 'config.json')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'importance --out is a symlink to the text', setup: (f, d) => { link(f.text, L(d)); }, argv: (f, d) => imp(f.model, f.text, L(d)), error: 'OutputPathError', match: /is the input file/ },
  { name: 'importance --out is a hard link to the text', setup: (f, d) => fs.linkSync(f.text, path.join(d, 'h.txt')), argv: (f, d) => imp(f.model, f.text, path.join(d, 'h.txt')), error: 'OutputPathError', match: /is the input file/ },
  { name: 'importance --out with .. into the model', argv: (f) => imp(f.model, f.text, path.join(f.root, 'cases', '..', 'llama', 'x.json')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'importance --out is an existing folder', argv: (f, d) => imp(f.model, f.text, d), error: 'OutputPathError', match: /is a folder; expected a file path/ },
  { name: 'importance --out under a file', argv: (f) => imp(f.model, f.text, path.join(f.gpt2, 'config.json', 'r.json')), error: 'OutputPathError', match: /is a file, not a folder/ },
  { name: 'importance --out empty', argv: (f) => imp(f.model, f.text, ''), error: 'CliError', match: /usage/ },
  { name: 'importance --state is the text', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--state', f.text), error: 'OutputPathError', match: /--state .*is the input file/ },
  { name: 'importance --state equals --out', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--state', path.join(d, 'r.json')), error: 'OutputPathError', match: /--out .*is the other output/ },
  { name: 'importance --state inside the model', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--state', path.join(f.model, 's.json')), error: 'OutputPathError', match: /--state .*lies inside the input folder/ },
  { name: 'importance --out is the --mc-task file', setup: (f, d) => fs.writeFileSync(path.join(d, 't.jsonl'), '{"context": "a", "choices": ["b"], "label": 0}\n'), argv: (f, d) => imp(f.model, f.text, path.join(d, 't.jsonl'), '--depth', 'mc', '--mc-task', path.join(d, 't.jsonl')), error: 'OutputPathError', match: /is the input file/ },
  { name: 'search --plan-out is the model config.json', argv: (f) => search(f, '--plan-out', path.join(f.model, 'config.json')), error: 'OutputPathError', match: /--plan-out .*config.json/ },
  { name: 'search --plan-out is the report', argv: (f) => search(f, '--plan-out', f.report), error: 'OutputPathError', match: /is the input file .*report.json/ },
  { name: 'search --plan-out is the text', argv: (f) => search(f, '--plan-out', f.text), error: 'OutputPathError', match: /is the input file/ },
  { name: 'search --plan-out through a symlink into the model', setup: (f, d) => { link(f.model, L(d)); }, argv: (f, d) => search(f, '--plan-out', path.join(L(d), 'plan.json')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'search --plan-out is a folder', argv: (f, d) => search(f, '--plan-out', d), error: 'OutputPathError', match: /is a folder/ },
  { name: 'prune --out is the model folder', argv: (f) => prune(f, f.model, f.model), error: 'OutputPathError', match: /is the input folder/ },
  { name: 'prune --out inside the model folder', argv: (f) => prune(f, f.model, path.join(f.model, 'small')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'prune --out through a symlink to the model', setup: (f, d) => { link(f.model, L(d)); }, argv: (f, d) => prune(f, f.model, path.join(L(d), 'small')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'prune --out through a symlinked parent chain', setup: (f, d) => { link(f.root, L(d)); }, argv: (f, d) => prune(f, f.model, path.join(L(d), 'llama', 'a', 'b')), error: 'OutputPathError', match: /lies inside the input folder/ },
  { name: 'prune --out already exists', argv: (f, d) => prune(f, f.model, d), error: 'OutputPathError', match: /already exists/ },
  { name: 'prune --out is the report', argv: (f) => prune(f, f.model, f.report), error: 'OutputPathError', match: /is the input file/ },
  { name: 'prune --out under a file', argv: (f) => prune(f, f.model, path.join(f.text, 'small')), error: 'OutputPathError', match: /is a file, not a folder/ },
  { name: 'prune --out is the --plan file', argv: (f) => ['prune', f.model, '--plan', f.plan, '--out', f.plan], error: 'OutputPathError', match: /is the input file/ },
  { name: 'distill --out inside the student', argv: (f) => distill(f, path.join(f.student, 'kd')), error: 'OutputPathError', match: /--out .*lies inside the input folder/ },
  { name: 'distill --out is the teacher', argv: (f) => distill(f, f.model), error: 'OutputPathError', match: /--out .*is the input folder/ },
  { name: 'distill --out is the data', argv: (f) => distill(f, f.text), error: 'OutputPathError', match: /is the input file/ },
  { name: 'distill --state is the student', argv: (f, d) => distill(f, path.join(d, 'o'), '--state', f.student), error: 'OutputPathError', match: /--state .*is the input folder/ },
  { name: 'distill --state inside the student', argv: (f, d) => distill(f, path.join(d, 'o'), '--state', path.join(f.student, 'st')), error: 'OutputPathError', match: /--state .*lies inside the input folder/ },
  { name: 'distill --state through a symlink to the student', setup: (f, d) => { link(f.student, L(d)); }, argv: (f, d) => distill(f, path.join(d, 'o'), '--state', L(d)), error: 'OutputPathError', match: /--state .*is the input folder/ },
  { name: 'distill --state containing the student', argv: (f, d) => distill(f, path.join(d, 'o'), '--state', f.root), error: 'OutputPathError', match: /--out .*lies inside the other output [^,]*$/ },
  { name: 'distill --state is the data file', argv: (f, d) => distill(f, path.join(d, 'o'), '--state', f.text), error: 'OutputPathError', match: /--state .*is the input file/ },
  { name: 'distill --state inside --out', argv: (f, d) => distill(f, path.join(d, 'o'), '--state', path.join(d, 'o', 'st')), error: 'OutputPathError', match: /--out .*contains the other output/ },
  { name: 'distill --out already exists', argv: (f, d) => distill(f, d), error: 'OutputPathError', match: /already exists/ },
  { name: 'distill --out under the data file', argv: (f) => distill(f, path.join(f.text, 'o')), error: 'OutputPathError', match: /lies inside the input file/ },
  { name: 'distill --out under a file', argv: (f) => distill(f, path.join(f.gpt2, 'config.json', 'o')), error: 'OutputPathError', match: /is a file, not a folder/ },
  { name: 'distill --state is a file', setup: (f, d) => fs.writeFileSync(path.join(d, 's'), 'x'), argv: (f, d) => distill(f, path.join(d, 'o'), '--state', path.join(d, 's')), error: 'OutputPathError', match: /is a file; expected a folder/ },
  { name: 'distill --out is the --eval file', setup: (f, d) => fs.writeFileSync(path.join(d, 'e.txt'), 'x'), argv: (f, d) => distill(f, path.join(d, 'e.txt'), '--eval', path.join(d, 'e.txt')), error: 'OutputPathError', match: /is the input file/ },
  { name: 'distill --out through a symlink into the teacher', setup: (f, d) => { link(f.model, L(d)); }, argv: (f, d) => distill(f, path.join(L(d), 'kd')), error: 'OutputPathError', match: /lies inside the input folder/ },
];

/** A report made for the fixture model, changed by fn, written as dir/r.json. */
const report = (fn: (r: Record<string, unknown>) => unknown) => (f: Fixture, d: string): void => {
  fs.copyFileSync(f.report, path.join(d, 'r.json'));
  editJson(path.join(d, 'r.json'), fn);
};
const plan = (fn: (p: Record<string, unknown>) => unknown) => (f: Fixture, d: string): void => {
  fs.copyFileSync(f.plan, path.join(d, 'p.json'));
  editJson(path.join(d, 'p.json'), fn);
};
const R = (d: string): string => path.join(d, 'r.json');
const P = (d: string): string => path.join(d, 'p.json');
const pruneR = (f: Fixture, d: string): string[] => ['prune', f.model, '--report', R(d), '--ffn', '40', '--out', path.join(d, 'o')];
const pruneP = (f: Fixture, d: string): string[] => ['prune', f.model, '--plan', P(d), '--out', path.join(d, 'o')];

const REPORTS: BadCase[] = [
  { name: 'report missing', argv: (f, d) => pruneR(f, d), error: 'FileError', match: /r.json: no such file or folder/ },
  { name: 'report is a folder', setup: (f, d) => fs.mkdirSync(R(d)), argv: (f, d) => pruneR(f, d), error: 'FileError', match: /r.json: is a folder/ },
  { name: 'report malformed', setup: (f, d) => fs.writeFileSync(R(d), '{"kind": "importance-report", '), argv: (f, d) => pruneR(f, d), error: 'FileError', match: /r.json: not valid JSON/ },
  { name: 'report of another kind', setup: report((r) => ({ ...r, kind: 'arch-plan' })), argv: (f, d) => pruneR(f, d), error: 'CliError', match: /"kind": "importance-report"/ },
  { name: 'report without spec', setup: report((r) => ({ ...r, spec: undefined })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /field "spec"/ },
  { name: 'report with short head scores', setup: report((r) => ({ ...r, heads: (r.heads as number[][]).map((h) => h.slice(1)) })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /field "heads\[0\]": expected an array of 6 numbers, got 5 entries/ },
  { name: 'report with too few layers of neurons', setup: report((r) => ({ ...r, neurons: (r.neurons as number[][]).slice(1) })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /field "neurons": expected 4 per-layer arrays/ },
  { name: 'report with string scores', setup: report((r) => ({ ...r, neurons: (r.neurons as number[][]).map((h) => h.map(String)) })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /not all numbers/ },
  { name: 'report with null channel scores', setup: report((r) => ({ ...r, channels: null })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /field "channels"/ },
  { name: 'report with short depth scores', setup: report((r) => ({ ...r, layers: { ppl: [1, 2] } })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /field "layers.ppl": expected an array of 4 numbers/ },
  { name: 'report for another model', setup: report((r) => ({ ...r, spec: { ...(r.spec as object), hiddenSize: 64 } })), argv: (f, d) => pruneR(f, d), error: 'ReportError', match: /made for another model: hiddenSize: 64 vs 48/ },
  { name: 'report for another model with a plan', setup: (f, d) => { report((r) => ({ ...r, spec: { ...(r.spec as object), numLayers: 5 } }))(f, d); fs.copyFileSync(f.plan, P(d)); }, argv: (f, d) => ['prune', f.model, '--report', R(d), '--plan', P(d), '--out', path.join(d, 'o')], error: 'ReportError', match: /another model/ },
  { name: 'search with a report for another model', setup: report((r) => ({ ...r, spec: { ...(r.spec as object), numHeads: 3 } })), argv: (f, d) => search(f).map((a) => (a === f.report ? R(d) : a)), error: 'ReportError', match: /another model/ },
  { name: 'search with a report of short scores', setup: report((r) => ({ ...r, channels: [1] })), argv: (f, d) => search(f).map((a) => (a === f.report ? R(d) : a)), error: 'ReportError', match: /channels/ },
  { name: 'plan missing', argv: (f, d) => pruneP(f, d), error: 'FileError', match: /p.json: no such file/ },
  { name: 'plan malformed', setup: (f, d) => fs.writeFileSync(P(d), '{'), argv: (f, d) => pruneP(f, d), error: 'FileError', match: /not valid JSON/ },
  { name: 'plan of another kind', setup: plan((p) => ({ ...p, kind: 'importance-report' })), argv: (f, d) => pruneP(f, d), error: 'CliError', match: /"kind": "arch-plan"/ },
  { name: 'plan for another model', setup: plan((p) => ({ ...p, from: { ...(p.from as object), hiddenSize: 64 } })), argv: (f, d) => pruneP(f, d), error: 'PlanError', match: /hiddenSize/ },
  { name: 'plan keeping a channel out of range', setup: plan((p) => { const k = p.keep as { channels: number[] }; return { ...p, keep: { ...k, channels: [...k.channels.slice(0, -1), 999] } }; }), argv: (f, d) => pruneP(f, d), error: 'PlanError', match: /channels|999/ },
  { name: 'plan without keep', setup: plan((p) => ({ ...p, keep: undefined })), argv: (f, d) => pruneP(f, d), error: 'PlanError', match: /keep/ },
  { name: 'plan with string targets', setup: plan((p) => ({ ...p, target: { ...(p.target as object), ffnHiddenSize: '40' } })), argv: (f, d) => pruneP(f, d), error: 'PlanError', match: /ffnHiddenSize|target/ },
  { name: 'prune --ffn larger than the model', argv: (f, d) => ['prune', f.model, '--report', f.report, '--ffn', '1000', '--out', path.join(d, 'o')], error: 'PlanError', match: /ffn|1000/ },
  { name: 'prune --layers more than the model', argv: (f, d) => ['prune', f.model, '--report', f.report, '--layers', '99', '--out', path.join(d, 'o')], error: 'PlanError', match: /99|layers/ },
  { name: 'prune --ffn 0', argv: (f, d) => ['prune', f.model, '--report', f.report, '--ffn', '0', '--out', path.join(d, 'o')], error: 'CliError', match: /--ffn: expected a positive integer/ },
  { name: 'prune --drop-layers with a word', argv: (f, d) => ['prune', f.model, '--report', f.report, '--drop-layers', '1,x', '--out', path.join(d, 'o')], error: 'MinitronError', match: /drop-layers|dropLayers|x/ },
  { name: 'prune --drop-layers out of range', argv: (f, d) => ['prune', f.model, '--report', f.report, '--drop-layers', '7', '--out', path.join(d, 'o')], error: 'PlanError', match: /7/ },
  { name: 'prune --depth-metric unknown', argv: (f, d) => ['prune', f.model, '--report', f.report, '--layers', '3', '--depth-metric', 'taylor', '--out', path.join(d, 'o')], error: 'PlanError', match: /taylor/ },
];

/** A finished 1-step training state folder of the fixture run, changed by fn (dir/st). */
const ST = (d: string): string => path.join(d, 'st');
const resumeArgs = (f: Fixture, d: string): string[] => [...distill(f, path.join(d, 'o')), '--state', ST(d), '--resume'];
const ckpt = (fn: (ck: string) => void) => (f: Fixture, d: string): void => {
  copyDir(path.join(f.root, 'trained.state'), ST(d));
  fn(path.join(ST(d), 'checkpoint'));
};

const RESUME: BadCase[] = [
  { name: '--resume without any checkpoint', argv: (f, d) => resumeArgs(f, d), error: 'UsageError', match: /--resume: no checkpoint/ },
  { name: '--resume with weights missing', setup: ckpt((c) => fs.rmSync(path.join(c, 'weights.safetensors'))), argv: (f, d) => resumeArgs(f, d), error: 'DistillCheckpointError', match: /missing weights.safetensors/ },
  { name: '--resume with optimiser state missing', setup: ckpt((c) => fs.rmSync(path.join(c, 'optim.safetensors'))), argv: (f, d) => resumeArgs(f, d), error: 'DistillCheckpointError', match: /missing optim.safetensors/ },
  { name: '--resume with state.json missing', setup: ckpt((c) => fs.rmSync(path.join(c, 'state.json'))), argv: (f, d) => resumeArgs(f, d), error: 'DistillCheckpointError', match: /missing state.json/ },
  { name: '--resume with truncated weights', setup: ckpt((c) => { const p = path.join(c, 'weights.safetensors'); fs.truncateSync(p, fs.statSync(p).size - 64); }), argv: (f, d) => resumeArgs(f, d), error: 'MinitronError', match: /weights.safetensors/ },
  { name: '--resume with malformed state.json', setup: ckpt((c) => fs.writeFileSync(path.join(c, 'state.json'), '{"step": ')), argv: (f, d) => resumeArgs(f, d), error: 'FileError', match: /state.json: not valid JSON/ },
  { name: '--resume with a state.json list', setup: ckpt((c) => fs.writeFileSync(path.join(c, 'state.json'), '[]')), argv: (f, d) => resumeArgs(f, d), error: 'FileError', match: /state.json/ },
  { name: '--resume with another --seq-len', setup: ckpt(() => {}), argv: (f, d) => resumeArgs(f, d).map((a, i, all) => (all[i - 1] === '--seq-len' ? '6' : a)), error: 'DistillCheckpointError', match: /seqLen/ },
  { name: '--resume with an empty checkpoint folder', setup: ckpt((c) => { fs.rmSync(c, { recursive: true }); fs.mkdirSync(c); }), argv: (f, d) => resumeArgs(f, d), error: 'DistillCheckpointError', match: /missing weights.safetensors/ },
];

export const OUTPUT_CASES: BadCase[] = [...OVERLAP, ...REPORTS, ...RESUME];
export { M };
