import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input, installHost, readLine, StdinError } from '../../src/index.js';

test('readLine and input ask the host; null from the host (stdin not allowed) and no host are StdinErrors', async () => {
  const asked: [string, boolean][] = [];
  const answer = (p: string, pw: boolean): string => { asked.push([p, pw]); return pw ? 'secret' : 'ada'; };
  installHost({ input: { readLine: answer, readLineAsync: async (p, pw) => answer(p, pw) } });
  try {
    assert.equal(readLine('name? '), 'ada');
    assert.equal(await input('token: ', { password: true }), 'secret');
    assert.deepEqual(asked, [['name? ', false], ['token: ', true]]);
    installHost({ input: { readLine: () => null, readLineAsync: async () => null } });
    assert.throws(() => readLine('x'), (e: unknown) => e instanceof StdinError && /does not allow stdin/.test(e.message));
    installHost({ input: null });
    await assert.rejects(input('y'), (e: unknown) => e instanceof StdinError && /none is installed/.test(e.message));
  } finally {
    installHost({ input: null });
  }
});
