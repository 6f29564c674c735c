// Child process for select.test.ts: selects a backend (argv[2], default auto), runs an embedding gradient
// (gather -> UnsortedSegmentSum) and a matmul on it, prints one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendRequest } from '../../src/backend/index.js';

(async () => {
  const info = await selectBackend((process.argv[2] ?? 'auto') as BackendRequest);
  const g = tf.tidy(() => tf.grad((e: tf.Tensor) => tf.sum(tf.matMul(tf.gather(e, tf.tensor1d([0, 2, 2], 'int32')), tf.ones([3, 2]))))(tf.ones([4, 3])));
  const grad = Array.from(g.dataSync());
  g.dispose();
  process.stdout.write(JSON.stringify({ name: info.name, tfjs: tf.getBackend(), warnings: info.warnings.length, grad }) + '\n');
})().catch((e) => { process.stdout.write(JSON.stringify({ error: String(e?.name) + ': ' + String(e?.message) }) + '\n'); });
