/** Host bridge: the kernel-facing state (display sink, comms, stop signal, plan-editor registry), installed by installHost. */
export * from './keys.js';
export * from './bridge.js';
export * from './comm.js';
export * from './stop.js';
export * from './stdin.js';
