/** Which pruned architectures Hugging Face transformers (5.x) can load back: a check shared by export and search. */
import type { ModelSpec } from '../types.js';

/** Families whose transformers config validates hidden_size % num_attention_heads == 0 (even with an explicit head_dim). */
const DIVISIBLE_HIDDEN: Readonly<Record<string, string>> = { llama: 'LlamaConfig', gemma3_text: 'Gemma3TextConfig' };

/**
 * Why transformers would refuse a checkpoint with this spec, or null when it loads.
 * gpt2 derives head_dim = n_embd / n_head; LlamaConfig and Gemma3TextConfig validate hidden_size % num_attention_heads == 0
 * (even with head_dim); Phi3Config checks longrope's factor lists against hidden_size / num_attention_heads.
 * @example transformersIssue({ ...spec, hiddenSize: 512, numHeads: 9 }) // 'llama: hidden_size 512 is not a multiple of ...'
 */
export function transformersIssue(spec: ModelSpec): string | null {
  if (spec.family === 'gpt2' && spec.numHeads * spec.headDim !== spec.hiddenSize) {
    return `gpt2 needs hidden = heads × head_dim; got ${spec.numHeads} heads × ${spec.headDim} but hidden ${spec.hiddenSize} (prune heads and channels together)`;
  }
  const cls = DIVISIBLE_HIDDEN[spec.family];
  if (cls !== undefined && spec.hiddenSize % spec.numHeads !== 0) {
    return `transformers' ${cls} requires hidden_size (${spec.hiddenSize}) to be a multiple of num_attention_heads (${spec.numHeads}), although head_dim stays ${spec.headDim}`;
  }
  if (spec.family === 'phi3' && spec.ropeScaling?.type === 'longrope') {
    const dims = Math.floor(Math.floor(spec.hiddenSize / spec.numHeads) * (spec.rotaryDim ?? spec.headDim) / spec.headDim);
    if (Math.floor(dims / 2) !== spec.ropeScaling.shortFactor.length) {
      return `transformers' Phi3Config checks longrope's ${spec.ropeScaling.shortFactor.length} factors against hidden_size / num_attention_heads (${spec.hiddenSize} / ${spec.numHeads}), which must stay ${spec.headDim} (prune heads and channels together)`;
    }
  }
  return null;
}
