/** Minimal typings of plotly.js-dist-min (the package ships none). */
declare module 'plotly.js-dist-min' {
  export interface PlotlyApi {
    react(el: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
    newPlot(el: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
    addFrames?(el: HTMLElement, frames: unknown[]): Promise<unknown>;
    purge(el: HTMLElement): void;
    Plots: { resize(el: HTMLElement): Promise<unknown> | void };
  }
  const Plotly: PlotlyApi;
  export default Plotly;
}
