/** minitron: the public API. */
export * from './types.js';
export * from './display/index.js';
