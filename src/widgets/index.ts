/** Jupyter widgets from TypeScript: the widget protocol over the host's comms, typed controls, boxes, link, interact. */
export * from './protocol.js';
export * from './widget.js';
export * from './controls.js';
export * from './compose.js';
