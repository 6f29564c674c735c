/**
 * The depth metrics as one table: each metric's help text (CLI usage), what it needs, and how it scores every layer
 * (higher = more important). The type DepthMetric, the CLI's --depth validation and its usage derive from it.
 */
import type { ModelSpec, Params } from '../types.js';
import type { ActivationScores } from './accumulator.js';
import { pplWithout, taylorPlus, taylorScores } from './depth.js';
import { mcAccuracy, mcLogLikelihoods, type McItem } from './mc_task.js';
import { ImportanceError } from '../errors.js';

/** What a depth metric may use: the model, the calibration batches, the activation pass and other metrics' scores. */
export interface DepthContext {
  readonly spec: ModelSpec;
  readonly params: Params;
  readonly batches: number[][][];
  /** Scores of the activation pass (bi when Block Importance was accumulated). */
  readonly width: ActivationScores;
  readonly mcItems: McItem[] | null;
  progress(stage: string, done: number, total: number): void;
  /** Scores of another metric of DEPTH_METRICS (computed once, kept for resume). */
  scoresOf(metric: string): number[];
}

/** One depth metric: its help text, the option it requires (if any) and its per-layer scores. */
export interface DepthMetricImpl {
  readonly help: string;
  readonly needs: 'mcItems' | null;
  readonly score: (ctx: DepthContext) => number[];
}

const eachLayer = (c: DepthContext): number[][] => Array.from({ length: c.spec.numLayers }, (_, l) => [l]);

/**
 * The depth metrics, in the order a report lists them.
 * @example Object.keys(DEPTH_METRICS).join(',') // 'ppl,bi,taylor,taylor+,mc'
 */
export const DEPTH_METRICS = {
  ppl: {
    help: 'perplexity with the layer removed', needs: null,
    score: (c) => pplWithout(c.spec, c.params, c.batches, eachLayer(c), (i) => c.progress('ppl', i + 1, c.spec.numLayers)),
  },
  bi: {
    help: 'Block Importance, 1 - cos(block input, block output)', needs: null,
    score: (c) => c.width.bi ?? [],
  },
  taylor: {
    help: 'Taylor, sum of |w * dL/dw| over the block', needs: null,
    score: (c) => {
      c.progress('taylor', 0, 1);
      const s = taylorScores(c.spec, c.params, c.batches);
      c.progress('taylor', 1, 1);
      return s;
    },
  },
  'taylor+': {
    help: 'Taylor with the first 4 and last 2 blocks protected (Shortened LLaMA)', needs: null,
    score: (c) => taylorPlus(c.scoresOf('taylor')),
  },
  mc: {
    help: 'multiple-choice accuracy with the layer removed', needs: 'mcItems',
    score: (c) => {
      const items = c.mcItems;
      if (!items || items.length === 0) throw new ImportanceError("depth metric 'mc' needs options.mcItems (see loadMcTask)");
      return eachLayer(c).map((skip, i) => {
        const a = mcAccuracy(mcLogLikelihoods(c.spec, c.params, items, { skipLayers: skip }), items);
        c.progress('mc', i + 1, c.spec.numLayers);
        return a;
      });
    },
  },
} as const satisfies Record<string, DepthMetricImpl>;

/** Depth metrics: PPL with the layer removed, Block Importance, Taylor, Taylor+ and multiple-choice accuracy. */
export type DepthMetric = keyof typeof DEPTH_METRICS;

/** Every depth metric name, in table order. @example DEPTH_METRIC_NAMES.includes('ppl') // true */
export const DEPTH_METRIC_NAMES = Object.keys(DEPTH_METRICS) as DepthMetric[];

/**
 * Scores of the wanted metrics, in table order. `cache` holds scores already computed (a resumed run's) and receives
 * each new one (also those a wanted metric needs), `onScored` runs after each new one (to save the state).
 * @example const layers = depthScores(ctx, ['ppl', 'bi'], st.layers, save);
 */
export function depthScores(ctx: Omit<DepthContext, 'scoresOf'>, wanted: readonly DepthMetric[],
  cache: Record<string, number[]>, onScored: () => void): Record<string, number[]> {
  for (const m of wanted) {
    if (!Object.hasOwn(DEPTH_METRICS, m)) throw new ImportanceError(`unknown depth metric "${String(m)}", expected some of ${DEPTH_METRIC_NAMES.join(',')}`);
  }
  const full: DepthContext = {
    ...ctx,
    scoresOf: (m) => {
      if (!cache[m]) {
        if (!Object.hasOwn(DEPTH_METRICS, m)) throw new ImportanceError(`unknown depth metric "${m}"`);
        cache[m] = DEPTH_METRICS[m as DepthMetric].score(full);
        onScored();
      }
      return cache[m];
    },
  };
  const out: Record<string, number[]> = {};
  for (const m of DEPTH_METRIC_NAMES) if (wanted.includes(m)) out[m] = full.scoresOf(m);
  return out;
}
