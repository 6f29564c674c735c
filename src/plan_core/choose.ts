/** Which units a plan keeps: the top-scored ones, the same count from every group (GQA heads). Shared by planFromTargets and the editor. */

/**
 * Indices of the k highest scores, returned sorted ascending (ties and non-finite scores: the lower index first).
 * @example topK([0.1, 0.9, 0.5], 2) // [1, 2]
 */
export function topK(scores: readonly number[], k: number): number[] {
  const order = scores.map((s, i) => [Number.isFinite(s) ? s : -Infinity, i] as const).sort((a, b) => (b[0] - a[0]) || (a[1] - b[1]));
  return order.slice(0, k).map(([, i]) => i).sort((a, b) => a - b);
}

/**
 * The n highest-scored indices, n / groups of them from each contiguous group, sorted ascending.
 * @example topKPerGroup([9, 8, 7, 1, 2, 3], 4, 2) // [0, 1, 4, 5]
 */
export function topKPerGroup(scores: readonly number[], n: number, groups = 1): number[] {
  const size = scores.length / groups, per = n / groups;
  const out: number[] = [];
  for (let g = 0; g < groups; g++) out.push(...topK(scores.slice(g * size, (g + 1) * size), per).map((i) => g * size + i));
  return out;
}
