// tfjs-core's chained-op augmentations (Tensor.prototype.sum and friends), for cells: the preload cell imports this.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
