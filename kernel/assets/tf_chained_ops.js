// Types only: see tf_chained_ops.d.ts. The kernel registers tfjs-core's chained ops itself (kernel/src/tfjs.ts).
'use strict';
