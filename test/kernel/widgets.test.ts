import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dropdown, installHost, IntSlider, link, mergeBuffers, splitBuffers } from '../../src/index.js';
import type { Comm, CommData, CommProvider } from '../../src/index.js';

/** An in-memory comm provider: records what the kernel side sends; `deliver` plays the front end. */
function fakeProvider(): CommProvider & { sent: { id: string; kind: string; data: CommData; buffers: Uint8Array[] }[]; deliver(id: string, d: CommData, b?: Uint8Array[]): void } {
  const handlers = new Map<string, ((d: CommData, b: Uint8Array[]) => void)[]>();
  const sent: { id: string; kind: string; data: CommData; buffers: Uint8Array[] }[] = [];
  let n = 0;
  return {
    sent,
    open(target: string, data: CommData = {}): Comm {
      const id = `c${++n}`;
      sent.push({ id, kind: `open:${target}`, data, buffers: [] });
      handlers.set(id, []);
      return {
        commId: id, targetName: target,
        send: (d: CommData, _m?: CommData, b: Uint8Array[] = []) => { sent.push({ id, kind: 'msg', data: d, buffers: b }); },
        close: () => undefined, onMsg: (cb) => { handlers.get(id)!.push(cb); }, onClose: () => undefined,
      };
    },
    registerTarget: () => undefined, unregisterTarget: () => undefined,
    deliver(id: string, d: CommData, b: Uint8Array[] = []) { for (const cb of handlers.get(id) ?? []) cb(d, b); },
  };
}

test('splitBuffers and mergeBuffers move binary values out of a state and back at their paths', () => {
  const s = splitBuffers({ a: 1, img: new Uint8Array([1, 2]), nested: { xs: [new Float32Array([0.5])] } });
  assert.deepEqual(s.state, { a: 1, nested: { xs: [undefined] } });
  assert.deepEqual(s.paths, [['img'], ['nested', 'xs', 0]]);
  assert.deepEqual(s.buffers.map((b) => Array.from(b)), [[1, 2], [0, 0, 0, 63]]);
  const back = mergeBuffers({ a: 1 }, [['img']], [new Uint8Array([7, 8])]);
  assert.equal((back.img as DataView).getUint8(1), 8);
});

test('widgets sync both ways through the host comms: set sends updates, front-end updates reach observers, link, dropdown index → value', () => {
  const p = fakeProvider();
  installHost({ comms: p });
  try {
    const a = new IntSlider({ value: 1 });
    const b = new IntSlider({ value: 5 });
    link([a, 'value'], [b, 'value']);
    assert.equal(b.value, 1);
    const seen: unknown[] = [];
    b.observe((c) => seen.push(c.new), ['value']);
    p.deliver(a.modelId, { method: 'update', state: { value: 9 }, buffer_paths: [] });
    assert.deepEqual([a.value, b.value, seen], [9, 9, [9]]);
    const last = p.sent.filter((m) => m.id === b.modelId && m.kind === 'msg').at(-1)!;
    assert.deepEqual(last.data, { method: 'update', state: { value: 9 }, buffer_paths: [] });
    const d = new Dropdown({ options: [['two', 2], ['four', 4]], value: 4 });
    assert.equal(d.value, 4);
    const vals: unknown[] = [];
    d.observe((c) => vals.push(c.new), ['value']);
    p.deliver(d.modelId, { method: 'update', state: { index: 0 }, buffer_paths: [] });
    assert.deepEqual([d.value, vals], [2, [2]]);
  } finally {
    installHost({ comms: null });
  }
});
