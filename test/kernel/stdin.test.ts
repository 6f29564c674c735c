import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input, installHost, readLine, StdinError } from '../../src/index.js';

test('readLine and input ask the host; null from the host (stdin not allowed) and no host are StdinErrors', async () => {
  const asked: [string, boolean][] = [];
  installHost({ input: (p, pw) => { asked.push([p, pw]); return pw ? 'secret' : 'ada'; } });
  try {
    assert.equal(readLine('name? '), 'ada');
    assert.equal(await input('token: ', { password: true }), 'secret');
    assert.deepEqual(asked, [['name? ', false], ['token: ', true]]);
    installHost({ input: () => null });
    assert.throws(() => readLine('x'), (e: unknown) => e instanceof StdinError && /does not allow stdin/.test(e.message));
    installHost({ input: null });
    await assert.rejects(input('y'), (e: unknown) => e instanceof StdinError && /none is installed/.test(e.message));
  } finally {
    installHost({ input: null });
  }
});
