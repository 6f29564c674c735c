/** Printing of a tf.profile() result for the bench/profile*.ts scripts: time per kernel, and per BatchMatMul shape. */
import type * as tf from '@tensorflow/tfjs-core';

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;

/** Options of printKernelProfile. */
export interface KernelProfileOptions { top: number; shapes: boolean }

function sumBy(kernels: ProfileInfo['kernels'], key: (k: ProfileInfo['kernels'][number]) => string | null): [string, number, number][] {
  const agg = new Map<string, [number, number]>();
  for (const k of kernels) {
    const name = key(k);
    if (name === null) continue;
    const a = agg.get(name) ?? [0, 0];
    a[0] += k.kernelTimeMs as number;
    a[1]++;
    agg.set(name, a);
  }
  return [...agg].map(([n, [ms, cnt]]) => [n, ms, cnt] as [string, number, number]).sort((a, b) => b[1] - a[1]);
}

/**
 * Prints total kernel time, the `top` kernels by time, and (shapes) BatchMatMul time, calls and GFLOP/s per shape.
 * @example printKernelProfile(await tf.profile(step), { top: 20, shapes: true });
 */
export function printKernelProfile(prof: ProfileInfo, opts: KernelProfileOptions): void {
  const byKernel = sumBy(prof.kernels, (k) => k.name);
  console.log('kernel total ms', byKernel.reduce((s, r) => s + r[1], 0).toFixed(0));
  for (const [n, ms, cnt] of byKernel.slice(0, opts.top)) console.log(n.padEnd(22), ms.toFixed(1).padStart(9), cnt);
  if (!opts.shapes) return;
  console.log('BatchMatMul by shape: ms, calls, GFLOP/s, shapes');
  const byShape = sumBy(prof.kernels, (k) => (k.name === 'BatchMatMul' ? `${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}` : null));
  for (const [n, ms, cnt] of byShape.slice(0, opts.top)) {
    const [[a, b], [o]] = n.split(' -> ').map((x) => JSON.parse(x) as number[][]);
    const k = a.length === 2 && b.length === 2 ? (a[0] === o[0] ? a[1] : a[0]) : 0; // inner size of a 2-D product
    const gflops = (2 * o.reduce((p, q) => p * q, 1) * k * cnt) / ms / 1e6;
    console.log(ms.toFixed(1).padStart(7), String(cnt).padStart(4), gflops.toFixed(0).padStart(5), n);
  }
}
