/** Which pruned architectures Hugging Face transformers (5.x) can load back: a check shared by export and search. */
import type { ModelSpec } from '../types.js';

/**
 * Why transformers would refuse a checkpoint with this spec, or null when it loads.
 * gpt2 derives head_dim = n_embd / n_head; LlamaConfig validates hidden_size % num_attention_heads == 0 (even with head_dim).
 * @example transformersIssue({ ...spec, hiddenSize: 512, numHeads: 9 }) // 'llama: hidden_size 512 is not a multiple of ...'
 */
export function transformersIssue(spec: ModelSpec): string | null {
  if (spec.family === 'gpt2' && spec.numHeads * spec.headDim !== spec.hiddenSize) {
    return `gpt2 needs hidden = heads × head_dim; got ${spec.numHeads} heads × ${spec.headDim} but hidden ${spec.hiddenSize} (prune heads and channels together)`;
  }
  if (spec.family === 'llama' && spec.hiddenSize % spec.numHeads !== 0) {
    return `transformers' LlamaConfig requires hidden_size (${spec.hiddenSize}) to be a multiple of num_attention_heads (${spec.numHeads}), although head_dim stays ${spec.headDim}`;
  }
  return null;
}
