/**
 * The bad-input table: each case is a `minitron` command line (with the bad input it needs made in a fresh
 * folder), the error class it must raise and a fragment of its message. The runner also checks that no input
 * changed (sha256) and that nothing was left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyDir, editJson, joinSafetensors, rawSafetensors, splitSafetensors, type Fixture } from './fixture.js';

/** One bad input. */
export interface BadCase {
  name: string;
  /** Makes the bad input inside `dir` (a fresh, empty folder of this case). */
  setup?: (f: Fixture, dir: string) => void;
  argv: (f: Fixture, dir: string) => string[];
  /** Constructor name of the expected error. */
  error: string;
  match: RegExp;
}

const imp = (model: string, text: string, out: string, ...extra: string[]): string[] =>
  ['importance', model, text, '--out', out, '--samples', '2', '--seq-len', '8', '--batch', '2', ...extra];
const ppl = (model: string, text: string, ...extra: string[]): string[] => ['ppl', model, text, '--seq-len', '16', '--max-tokens', '64', ...extra];
const prune = (f: Fixture, model: string, out: string, ...extra: string[]): string[] => ['prune', model, '--report', f.report, '--ffn', '40', '--out', out, ...extra];
const search = (f: Fixture, ...extra: string[]): string[] =>
  ['search', f.model, '--report', f.report, '--params', '60K', '--text', f.text, '--samples', '2', '--seq-len', '8', '--top-k', '2',
    '--hidden-multiple', '8', '--ffn-multiple', '16', '--layer-multiple', '1', '--max-depth', '0.3', ...extra];
const distill = (f: Fixture, out: string, ...extra: string[]): string[] =>
  ['distill', '--teacher', f.model, '--student', f.student, '--data', f.text, '--steps', '1', '--out', out, '--batch', '1', '--seq-len', '8', '--eval-tokens', '32', ...extra];

/** A copy of the llama model in dir/m, changed by fn. */
function badModel(f: Fixture, dir: string, fn: (m: string) => void, from = f.model): string {
  const m = copyDir(from, path.join(dir, 'm'));
  fn(m);
  return m;
}
const M = (dir: string): string => path.join(dir, 'm');
const cfg = (fn: (c: Record<string, unknown>) => unknown) => (f: Fixture, dir: string): void => { badModel(f, dir, (m) => editJson(path.join(m, 'config.json'), fn)); };
const st = (header: unknown, dataLen: number, lenOverride?: number) => (f: Fixture, dir: string): void => {
  badModel(f, dir, (m) => rawSafetensors(path.join(m, 'model.safetensors'), header, dataLen, lenOverride));
};
const A = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

const FLAG_CASES: BadCase[] = [
  { name: 'importance without --out', argv: (f) => ['importance', f.model, f.text], error: 'CliError', match: /usage: minitron importance/ },
  { name: 'importance --samples 0', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--samples', '0'), error: 'CliError', match: /--samples: expected a positive integer, got "0"/ },
  { name: 'importance --samples abc', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--samples', 'abc'), error: 'CliError', match: /--samples: expected a positive integer/ },
  { name: 'importance --seq-len -3', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--seq-len', '-3'), error: 'CliError', match: /--seq-len: expected a positive integer, got "-3"/ },
  { name: 'importance --seed abc', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--seed', 'abc'), error: 'CliError', match: /--seed: expected a non-negative integer, got "abc"/ },
  { name: 'importance --seed 1.5', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--seed', '1.5'), error: 'CliError', match: /--seed/ },
  { name: 'importance --agg-seq bogus', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--agg-seq', 'bogus'), error: 'CliError', match: /--agg-seq: expected one of/ },
  { name: 'importance --agg-batch bogus', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--agg-batch', 'max'), error: 'CliError', match: /--agg-batch/ },
  { name: 'importance --depth with an unknown metric', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--depth', 'ppl,bogus'), error: 'CliError', match: /--depth: unknown metric "bogus"/ },
  { name: 'importance --neuron-tap bogus', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--neuron-tap', 'mlp_out'), error: 'CliError', match: /--neuron-tap/ },
  { name: 'importance unknown flag', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--sample', '4'), error: 'CliError', match: /Unknown option '--sample'/ },
  { name: 'importance --depth mc without --mc-task', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--depth', 'mc'), error: 'CliError', match: /--depth mc needs --mc-task/ },
  { name: 'importance --blocks abc', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--blocks', 'abc'), error: 'CliError', match: /--blocks/ },
  { name: 'prune without --out', argv: (f) => ['prune', f.model, '--report', f.report, '--ffn', '40'], error: 'CliError', match: /usage: minitron prune/ },
  { name: 'prune with --plan and targets', argv: (f, d) => prune(f, f.model, path.join(d, 'o'), '--plan', f.plan), error: 'CliError', match: /either target sizes or --plan/ },
  { name: 'prune with neither --plan nor targets', argv: (f, d) => ['prune', f.model, '--report', f.report, '--out', path.join(d, 'o')], error: 'CliError', match: /either target sizes or --plan/ },
  { name: 'prune --ffn abc', argv: (f, d) => ['prune', f.model, '--report', f.report, '--ffn', 'abc', '--out', path.join(d, 'o')], error: 'CliError', match: /--ffn: expected/ },
  { name: 'prune --heads -1', argv: (f, d) => ['prune', f.model, '--report', f.report, '--heads', '-1', '--out', path.join(d, 'o')], error: 'CliError', match: /--heads: expected a positive integer, got "-1"/ },
  { name: 'search without --params', argv: (f) => ['search', f.model, '--report', f.report, '--text', f.text], error: 'CliError', match: /usage: minitron search/ },
  { name: 'search --params lots', argv: (f) => search(f).map((a) => (a === '60K' ? 'lots' : a)), error: 'CliError', match: /--params/ },
  { name: 'search --max-width 1.5', argv: (f) => search(f, '--max-width', '1.5'), error: 'CliError', match: /--max-width: expected a fraction/ },
  { name: 'search --top-k 0', argv: (f) => search(f, '--top-k', '0'), error: 'CliError', match: /--top-k/ },
  { name: 'distill --steps 0', argv: (f, d) => distill(f, path.join(d, 'o')).map((a, i, all) => (all[i - 1] === '--steps' ? '0' : a)), error: 'CliError', match: /--steps: expected a positive integer, got "0"/ },
  { name: 'distill without --steps', argv: (f, d) => distill(f, path.join(d, 'o')).filter((a, i, all) => a !== '--steps' && all[i - 1] !== '--steps'), error: 'UsageError', match: /usage: minitron distill/ },
  { name: 'distill --steps abc', argv: (f, d) => distill(f, path.join(d, 'o')).map((a, i, all) => (all[i - 1] === '--steps' ? 'abc' : a)), error: 'CliError', match: /--steps: expected/ },
  { name: 'distill --lr abc', argv: (f, d) => distill(f, path.join(d, 'o'), '--lr', 'abc'), error: 'CliError', match: /--lr: expected a number/ },
  { name: 'distill --lr Infinity', argv: (f, d) => distill(f, path.join(d, 'o'), '--lr', 'Infinity'), error: 'CliError', match: /--lr: expected a number/ },
  { name: 'distill --mode bogus', argv: (f, d) => distill(f, path.join(d, 'o'), '--mode', 'bogus'), error: 'CliError', match: /--mode: expected one of/ },
  { name: 'distill --schedule bogus', argv: (f, d) => distill(f, path.join(d, 'o'), '--schedule', 'step'), error: 'CliError', match: /--schedule/ },
  { name: 'distill --logit-loss bogus', argv: (f, d) => distill(f, path.join(d, 'o'), '--logit-loss', 'kl'), error: 'CliError', match: /--logit-loss/ },
  { name: 'distill --seed abc', argv: (f, d) => distill(f, path.join(d, 'o'), '--seed', 'abc'), error: 'CliError', match: /--seed: expected/ },
  { name: 'distill --seed -1', argv: (f, d) => distill(f, path.join(d, 'o'), '--seed', '-1'), error: 'CliError', match: /--seed: expected a non-negative integer, got "-1"/ },
  { name: 'distill --batch 0', argv: (f, d) => distill(f, path.join(d, 'o'), '--batch', '0'), error: 'CliError', match: /--batch/ },
  { name: 'distill without --student', argv: (f, d) => ['distill', '--teacher', f.model, '--data', f.text, '--steps', '1', '--out', path.join(d, 'o')], error: 'UsageError', match: /usage: minitron distill/ },
  { name: 'ppl --seq-len abc', argv: (f) => ppl(f.model, f.text, '--seq-len', 'abc'), error: 'CliError', match: /--seq-len: expected a positive integer, got "abc"/ },
  { name: 'ppl --stride 0', argv: (f) => ppl(f.model, f.text, '--stride', '0'), error: 'CliError', match: /--stride/ },
  { name: 'ppl --max-tokens -1', argv: (f) => ppl(f.model, f.text, '--max-tokens', '-1'), error: 'CliError', match: /--max-tokens: expected a non-negative integer, got "-1"/ },
  { name: 'info with two folders', argv: (f) => ['info', f.model, f.gpt2], error: 'CliError', match: /usage: minitron info/ },
  { name: 'ppl without a text file', argv: (f) => ['ppl', f.model], error: 'CliError', match: /usage: minitron ppl/ },
];

const MODEL_CASES: BadCase[] = [
  { name: 'model folder missing', argv: (f, d) => ['info', path.join(d, 'nope')], error: 'CheckpointError', match: /nope: config.json missing/ },
  { name: 'model folder is a file', argv: (f) => ['info', f.text], error: 'CheckpointError', match: /text.txt: config.json missing/ },
  { name: 'config.json is a folder', setup: (f, d) => { badModel(f, d, (m) => { fs.rmSync(path.join(m, 'config.json')); fs.mkdirSync(path.join(m, 'config.json')); }); }, argv: (f, d) => ['info', M(d)], error: 'FileError', match: /config.json: is a folder, not a file \(expected a Hugging Face config.json object\)/ },
  { name: 'config.json malformed', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'config.json'), '{"model_type": "llama",')); }, argv: (f, d) => ['info', M(d)], error: 'FileError', match: /config.json: not valid JSON/ },
  { name: 'config.json is an array', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'config.json'), '[1, 2]')); }, argv: (f, d) => ['info', M(d)], error: 'FileError', match: /got an array/ },
  { name: 'config.json empty', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'config.json'), '')); }, argv: (f, d) => ['info', M(d)], error: 'FileError', match: /not valid JSON/ },
  { name: 'config without hidden_size', setup: cfg((c) => ({ ...c, hidden_size: undefined })), argv: (f, d) => ['info', M(d)], error: 'ConfigError', match: /field "hidden_size"/ },
  { name: 'config with unknown model_type', setup: cfg((c) => ({ ...c, model_type: 'mamba' })), argv: (f, d) => ['info', M(d)], error: 'ConfigError', match: /model_type/ },
  { name: 'config with negative layers', setup: cfg((c) => ({ ...c, num_hidden_layers: -1 })), argv: (f, d) => ['info', M(d)], error: 'ConfigError', match: /num_hidden_layers/ },
  { name: 'ppl --bos without a bos_token_id', setup: cfg((c) => { const { bos_token_id: _, ...rest } = c; return rest; }), argv: (f, d) => ['ppl', M(d), f.text, '--bos'], error: 'CliError', match: /--bos: .*config.json has no bos_token_id/ },
  { name: 'config with a string width', setup: cfg((c) => ({ ...c, hidden_size: '48' })), argv: (f, d) => ['info', M(d)], error: 'ConfigError', match: /hidden_size/ },
  { name: 'config with 10^9 layers', setup: cfg((c) => ({ ...c, num_hidden_layers: 1e9 })), argv: (f, d) => ppl(M(d), f.text), error: 'ConfigError', match: /num_hidden_layers": expected at most 4/ },
  { name: 'config with another intermediate_size', setup: cfg((c) => ({ ...c, intermediate_size: 100 })), argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /config expects \[100, 48\]/ },
  { name: 'config with a huge vocab_size', setup: cfg((c) => ({ ...c, vocab_size: 1e9 })), argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /embed_tokens.weight" has shape \[96, 48\]/ },
  { name: 'config with 10^9 hidden size', setup: cfg((c) => ({ ...c, hidden_size: 1e9 })), argv: (f, d) => ppl(M(d), f.text), error: 'MinitronError', match: /hidden_size|head_dim|shape/ },
  { name: 'config with 10^9 ffn size', setup: cfg((c) => ({ ...c, intermediate_size: 1e9 })), argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /config expects \[1000000000, 48\]/ },
  { name: 'config with 10^9 heads', setup: cfg((c) => ({ ...c, num_attention_heads: 1e9, head_dim: undefined })), argv: (f, d) => ppl(M(d), f.text), error: 'MinitronError', match: /num_attention_heads|head_dim|shape/ },
  { name: 'config with 10^9 head_dim', setup: cfg((c) => ({ ...c, head_dim: 1e9 })), argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /shape/ },
  { name: 'gpt2 config with 10^9 positions', setup: (f, d) => { badModel(f, d, (m) => editJson(path.join(m, 'config.json'), (c) => ({ ...c, n_positions: 1e9 })), f.gpt2); }, argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /wpe.weight" has shape \[64, 32\], config expects \[1000000000, 32\]/ },
  { name: 'config with a fractional layer count', setup: cfg((c) => ({ ...c, num_hidden_layers: 2.5 })), argv: (f, d) => ['info', M(d)], error: 'ConfigError', match: /num_hidden_layers/ },
  { name: 'config with heads not dividing', setup: cfg((c) => ({ ...c, num_key_value_heads: 4 })), argv: (f, d) => ppl(M(d), f.text), error: 'ConfigError', match: /num_key_value_heads/ },
  { name: 'no weights file', setup: (f, d) => { badModel(f, d, (m) => fs.rmSync(path.join(m, 'model.safetensors'))); }, argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /no model.safetensors/ },
  { name: 'model.safetensors is a folder', setup: (f, d) => { badModel(f, d, (m) => { fs.rmSync(path.join(m, 'model.safetensors')); fs.mkdirSync(path.join(m, 'model.safetensors')); }); }, argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /model.safetensors: is a folder, not a file \(expected a safetensors file\)/ },
  { name: 'model.safetensors truncated', setup: (f, d) => { badModel(f, d, (m) => { const p = path.join(m, 'model.safetensors'); fs.truncateSync(p, fs.statSync(p).size - 100); }); }, argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /file truncated/ },
  { name: 'model.safetensors empty', setup: st('', 0, 0), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /header is not valid JSON|truncated/ },
  { name: 'model.safetensors of 3 bytes', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'model.safetensors'), 'abc')); }, argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /truncated: 3 bytes/ },
  { name: 'safetensors header length past the end', setup: st({ a: A }, 8, 1e6), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /runs past the end/ },
  { name: 'safetensors header not JSON', setup: st('{"a": {', 0), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /header is not valid JSON/ },
  { name: 'safetensors header a list', setup: st('[1]', 0), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /must be a JSON object/ },
  { name: 'safetensors duplicate tensor names', setup: st('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}', 16), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /names this tensor twice/ },
  { name: 'safetensors gap between tensors', setup: st({ a: A, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, 24), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /gap of 8 bytes after tensor a/ },
  { name: 'safetensors overlapping tensors', setup: st({ a: A, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /overlap tensor a/ },
  { name: 'safetensors bytes after the last tensor', setup: st({ a: A }, 64), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /56 bytes after the last tensor/ },
  { name: 'safetensors unknown dtype', setup: st({ a: { ...A, dtype: 'Q4' } }, 8), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /unknown dtype "Q4"/ },
  { name: 'safetensors span not matching shape', setup: st({ a: { ...A, shape: [3] } }, 8), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /byte span 8 does not match/ },
  { name: 'safetensors negative shape', setup: st({ a: { ...A, shape: [-2] } }, 8), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /shape \[-2\]/ },
  { name: 'safetensors record not an object', setup: st({ a: 5 }, 0), argv: (f, d) => ppl(M(d), f.text), error: 'SafetensorsError', match: /record must be an object/ },
  {
    name: 'a tensor missing from the weights',
    setup: (f, d) => { badModel(f, d, (m) => { const p = path.join(m, 'model.safetensors'); const s = splitSafetensors(p); const h = { ...s.header }; const gone = h['model.norm.weight']; delete h['model.norm.weight']; const [a, b] = gone.data_offsets; const data = Buffer.concat([s.data.subarray(0, a), s.data.subarray(b)]); for (const v of Object.values(h)) if (v.data_offsets && v.data_offsets[0] >= b) v.data_offsets = [v.data_offsets[0] - (b - a), v.data_offsets[1] - (b - a)]; joinSafetensors(p, h, data); }); },
    argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /tensor "model.norm.weight" missing/,
  },
  {
    name: 'a tensor with the wrong shape',
    setup: (f, d) => { badModel(f, d, (m) => { const p = path.join(m, 'model.safetensors'); const s = splitSafetensors(p); s.header['model.norm.weight'].shape = [4, 12]; joinSafetensors(p, s.header, s.data); }); },
    argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /"model.norm.weight" has shape \[4, 12\], config expects \[48\]/,
  },
  { name: 'model folder empty', setup: (f, d) => fs.mkdirSync(path.join(d, 'm')), argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /m: config.json missing: expected a Hugging Face checkpoint folder/ },
  { name: 'tokenizer.json malformed', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'tokenizer.json'), '{"model": ')); }, argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /tokenizer.json: not valid JSON/ },
  { name: 'tokenizer.json without a model', setup: (f, d) => { badModel(f, d, (m) => editJson(path.join(m, 'tokenizer.json'), (t) => ({ ...t, model: undefined }))); }, argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /no "model" with a "vocab"/ },
  { name: 'tokenizer.json is a folder', setup: (f, d) => { badModel(f, d, (m) => { fs.rmSync(path.join(m, 'tokenizer.json')); fs.mkdirSync(path.join(m, 'tokenizer.json')); }); }, argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /tokenizer.json: is a folder/ },
  { name: 'tokenizer.json with a number for a vocabulary', setup: (f, d) => { badModel(f, d, (m) => editJson(path.join(m, 'tokenizer.json'), (t) => ({ ...t, model: { ...(t.model as object), vocab: 5 } }))); }, argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /no "model" with a "vocab"/ },
  { name: 'tokenizer_config.json malformed', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'tokenizer_config.json'), '{,}')); }, argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /tokenizer_config.json: not valid JSON/ },
  { name: 'tokenizer_config.json a string', setup: (f, d) => { badModel(f, d, (m) => fs.writeFileSync(path.join(m, 'tokenizer_config.json'), '"x"')); }, argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /tokenizer_config.json: expected a tokenizer_config.json object/ },
  { name: 'tokenizer ids beyond vocab_size', setup: (f, d) => { badModel(f, d, (m) => editJson(path.join(m, 'tokenizer.json'), (t) => { const model = t.model as { vocab: Record<string, number> }; return { ...t, model: { ...model, vocab: { ...model.vocab, C: 500 } } }; })); }, argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /token id 500 .* beyond the model's vocab_size 96/ },
  { name: 'importance on a model without tokenizer', setup: (f, d) => { badModel(f, d, (m) => fs.rmSync(path.join(m, 'tokenizer.json'))); }, argv: (f, d) => imp(M(d), f.text, path.join(d, 'r.json')), error: 'CheckpointError', match: /tokenizer.json missing/ },
];

const SHARD_CASES: BadCase[] = (() => {
  const sharded = (fn: (m: string, index: string) => void) => (f: Fixture, dir: string): void => {
    badModel(f, dir, (m) => {
      const p = path.join(m, 'model.safetensors');
      fs.renameSync(p, path.join(m, 'model-00001-of-00001.safetensors'));
      const { header } = splitSafetensors(path.join(m, 'model-00001-of-00001.safetensors'));
      const weightMap = Object.fromEntries(Object.keys(header).filter((k) => k !== '__metadata__').map((k) => [k, 'model-00001-of-00001.safetensors']));
      const index = path.join(m, 'model.safetensors.index.json');
      fs.writeFileSync(index, JSON.stringify({ metadata: {}, weight_map: weightMap }));
      fn(m, index);
    });
  };
  return [
    { name: 'shard index malformed', setup: sharded((m, i) => fs.writeFileSync(i, '{"weight_map": {')), argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /index.json: not valid JSON/ },
    { name: 'shard index without weight_map', setup: sharded((m, i) => fs.writeFileSync(i, '{"metadata": {}}')), argv: (f, d) => ppl(M(d), f.text), error: 'CheckpointError', match: /expected a "weight_map" object/ },
    { name: 'shard index naming a missing shard', setup: sharded((m) => fs.rmSync(path.join(m, 'model-00001-of-00001.safetensors'))), argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /model-00001-of-00001.safetensors: no such file or folder \(expected a safetensors file\)/ },
    { name: 'shard is a folder', setup: sharded((m) => { fs.rmSync(path.join(m, 'model-00001-of-00001.safetensors')); fs.mkdirSync(path.join(m, 'model-00001-of-00001.safetensors')); }), argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /is a folder/ },
    { name: 'shard index is a folder', setup: sharded((m, i) => { fs.rmSync(i); fs.mkdirSync(i); }), argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /index.json: is a folder/ },
    { name: 'shard index listing a tensor in another shard than it is', setup: sharded((m, i) => editJson(i, (x) => ({ ...x, weight_map: { ...(x.weight_map as object), 'model.norm.weight': 'other.safetensors' } }))), argv: (f, d) => ppl(M(d), f.text), error: 'FileError', match: /other.safetensors: no such file/ },
  ] satisfies BadCase[];
})();

const TEXT_CASES: BadCase[] = [
  { name: 'ppl text file missing', argv: (f, d) => ppl(f.model, path.join(d, 'none.txt')), error: 'FileError', match: /none.txt: no such file or folder \(expected a text file\)/ },
  { name: 'ppl text file is a folder', argv: (f, d) => ppl(f.model, d), error: 'FileError', match: /is a folder, not a file/ },
  { name: 'ppl empty text', setup: (f, d) => fs.writeFileSync(path.join(d, 'e.txt'), ''), argv: (f, d) => ppl(f.model, path.join(d, 'e.txt')), error: 'UsageError', match: /e.txt|token/ },
  { name: 'ppl seq-len beyond gpt2 positions', argv: (f) => ppl(f.gpt2, f.text, '--seq-len', '100', '--max-tokens', '400'), error: 'ConfigError', match: /n_positions.*100/ },
  { name: 'importance text missing', argv: (f, d) => imp(f.model, path.join(d, 'none.txt'), path.join(d, 'r.json')), error: 'FileError', match: /none.txt: no such file or folder/ },
  { name: 'importance text is a folder', setup: (f, d) => fs.mkdirSync(path.join(d, 'sub')), argv: (f, d) => imp(f.model, path.join(d, 'sub'), path.join(d, 'r.json')), error: 'FileError', match: /sub: is a folder/ },
  { name: 'importance text too short', setup: (f, d) => fs.writeFileSync(path.join(d, 's.txt'), 'Call me.'), argv: (f, d) => imp(f.model, path.join(d, 's.txt'), path.join(d, 'r.json')), error: 'DataError', match: /calibration text \(8 characters\) too short for 2 samples of 8 tokens/ },
  { name: 'importance seq-len beyond gpt2 positions', argv: (f, d) => imp(f.gpt2, f.text, path.join(d, 'r.json'), '--seq-len', '80'), error: 'ConfigError', match: /n_positions/ },
  { name: 'importance --mc-task missing', argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--depth', 'mc', '--mc-task', path.join(d, 'none.jsonl')), error: 'FileError', match: /none.jsonl: no such file/ },
  { name: 'importance --mc-task malformed', setup: (f, d) => fs.writeFileSync(path.join(d, 't.jsonl'), 'not json\n'), argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--depth', 'mc', '--mc-task', path.join(d, 't.jsonl')), error: 'McTaskError', match: /t.jsonl:1/ },
  { name: 'importance --state malformed', setup: (f, d) => fs.writeFileSync(path.join(d, 's.json'), '{"batchesDone": '), argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--state', path.join(d, 's.json')), error: 'FileError', match: /s.json: not valid JSON/ },
  { name: 'importance --state of another model', setup: (f, d) => fs.writeFileSync(path.join(d, 's.json'), JSON.stringify({ kind: 'x' })), argv: (f, d) => imp(f.model, f.text, path.join(d, 'r.json'), '--state', path.join(d, 's.json')), error: 'ImportanceError', match: /s.json/ },
  { name: 'search text missing', argv: (f, d) => ['search', f.model, '--report', f.report, '--params', '40K', '--text', path.join(d, 'none.txt')], error: 'FileError', match: /none.txt: no such file/ },
  { name: 'distill data missing', argv: (f, d) => distill(f, path.join(d, 'o')).map((a) => (a === f.text ? path.join(d, 'none.txt') : a)), error: 'FileError', match: /none.txt: no such file or folder/ },
  { name: 'distill --eval is a folder', argv: (f, d) => distill(f, path.join(d, 'o'), '--eval', d), error: 'FileError', match: /is a folder/ },
  { name: 'distill data shorter than one window', setup: (f, d) => fs.writeFileSync(path.join(d, 's.txt'), 'Hi.'), argv: (f, d) => distill(f, path.join(d, 'o')).map((a) => (a === f.text ? path.join(d, 's.txt') : a)), error: 'DistillDataError', match: /3 tokens are fewer than one window of seqLen 8/ },
  { name: 'distill seq-len beyond gpt2 positions', argv: (f, d) => ['distill', '--mode', 'ce', '--student', f.gpt2, '--data', f.text, '--steps', '1', '--out', path.join(d, 'o'), '--seq-len', '80'], error: 'ConfigError', match: /n_positions/ },
  { name: 'distill teacher with another vocabulary', setup: (f, d) => { badModel(f, d, (m) => { editJson(path.join(m, 'config.json'), (c) => ({ ...c, vocab_size: 95 })); const p = path.join(m, 'model.safetensors'); const s = splitSafetensors(p); const e = s.header['model.embed_tokens.weight']; e.shape = [95, 48]; const cut = 48 * 4; const [a, b] = e.data_offsets; const data = Buffer.concat([s.data.subarray(0, b - cut), s.data.subarray(b)]); e.data_offsets = [a, b - cut]; for (const v of Object.values(s.header)) if (v.data_offsets && v.data_offsets[0] >= b) v.data_offsets = [v.data_offsets[0] - cut, v.data_offsets[1] - cut]; joinSafetensors(p, s.header, data); }); }, argv: (f, d) => distill(f, path.join(d, 'o')).map((a) => (a === f.model ? M(d) : a)), error: 'MinitronError', match: /vocab/ },
];

export const CASES: BadCase[] = [...FLAG_CASES, ...MODEL_CASES, ...SHARD_CASES, ...TEXT_CASES];
export { imp, ppl, prune, search, distill, badModel, M };
