import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { History } from '../../kernel/src/history.js';
import { instrumentAwaits } from '../../kernel/src/interrupt.js';
import { Wire, WireError } from '../../kernel/src/wire.js';

const PY = path.resolve(__dirname, '../../.venv/bin/python');

test('Wire parses and signs messages exactly like jupyter_client.Session', { skip: !fs.existsSync(PY) && '.venv missing' }, () => {
  const script = [
    'import json, sys',
    'from jupyter_client.session import Session',
    's = Session(key=b"secret-key", signature_scheme="hmac-sha256")',
    'msg = s.msg("execute_request", {"code": "1 + 1", "silent": False})',
    'frames = s.serialize(msg, ident=[b"client-id"])',
    'print(json.dumps([f.decode() if isinstance(f, bytes) else f for f in frames]))',
  ].join('\n');
  const frames = (JSON.parse(execFileSync(PY, ['-c', script], { encoding: 'utf8' })) as string[]).map((f) => Buffer.from(f));
  const wire = new Wire('secret-key');
  const msg = wire.parse(frames);
  assert.equal(msg.header.msg_type, 'execute_request');
  assert.deepEqual(msg.content, { code: '1 + 1', silent: false });
  assert.deepEqual(msg.identities.map(String), ['client-id']);
  // Our reply, checked by jupyter_client's own deserializer (signature verification on).
  const out = wire.frames('execute_reply', { status: 'ok', execution_count: 1 }, msg, msg.identities).map((f) => f.toString());
  const check = [
    'import json, sys',
    'from jupyter_client.session import Session',
    's = Session(key=b"secret-key", signature_scheme="hmac-sha256")',
    'frames = [f.encode() for f in json.load(sys.stdin)]',
    'idents, rest = s.feed_identities(frames)',
    'm = s.deserialize(rest)',
    'print(json.dumps([m["msg_type"], m["parent_header"]["msg_id"], m["content"]["status"]]))',
  ].join('\n');
  const got = JSON.parse(execFileSync(PY, ['-c', check], { input: JSON.stringify(out), encoding: 'utf8' })) as string[];
  assert.deepEqual(got, ['execute_reply', msg.header.msg_id, 'ok']);
  // A tampered message is refused.
  const bad = frames.slice();
  bad[bad.length - 1] = Buffer.from('{"code": "evil"}');
  assert.throws(() => wire.parse(bad), WireError);
  assert.throws(() => wire.parse([Buffer.from('no delimiter')]), /delimiter/);
});

test('instrumentAwaits wraps await expressions but not for-await, keeping line numbers', () => {
  const js = 'const a = await f();\nfor await (const x of g()) { await h(x); }\nconst s = "await inside a string";\n';
  const out = instrumentAwaits(js);
  assert.equal(out, 'const a = await __minitronAwait( f());\nfor await (const x of g()) { await __minitronAwait( h(x)); }\nconst s = "await inside a string";\n');
  assert.equal(instrumentAwaits('await await x;'), 'await __minitronAwait( await __minitronAwait( x));');
  assert.equal(instrumentAwaits('const y = 1;'), 'const y = 1;');
});

test('History answers tail, range and search (glob, unique, n)', () => {
  const h = new History(1);
  ['a = 1', 'b = 2', 'a = 1', 'c = 3'].forEach((code, i) => h.add(i + 1, code));
  h.setOutput(4, '3');
  assert.deepEqual(h.query({ hist_access_type: 'tail', n: 2 }), [[1, 3, 'a = 1'], [1, 4, 'c = 3']]);
  assert.deepEqual(h.query({ hist_access_type: 'tail', n: 1, output: true }), [[1, 4, ['c = 3', '3']]]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: 1, start: 2, stop: 3 }), [[1, 2, 'b = 2']]);
  assert.deepEqual(h.query({ hist_access_type: 'range', session: 7, start: 0, stop: 9 }), []);
  assert.equal(h.query({ hist_access_type: 'search', pattern: 'a*' }).length, 2);
  assert.deepEqual(h.query({ hist_access_type: 'search', pattern: 'a*', unique: true }), [[1, 3, 'a = 1']]);
  assert.deepEqual(h.query({ hist_access_type: 'search', pattern: '?*', n: 1 }), [[1, 4, 'c = 3']]);
  assert.deepEqual(h.query({ hist_access_type: 'bogus' }), []);
});
