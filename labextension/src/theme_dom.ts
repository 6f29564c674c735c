/**
 * JupyterLab theme in the browser: reads the `--jp-*` CSS variables into a PlotTheme (readTheme) and follows theme
 * changes live (onThemeChange: a MutationObserver on body's data-jp-theme-* attributes, which JupyterLab sets once
 * a theme's CSS is loaded).
 */
import { DARK_PALETTE, DEFAULT_THEME, LIGHT_PALETTE, luminance, parseColor } from './theme.js';
import type { PlotTheme } from './theme.js';

/** Reads the lab theme from the CSS variables seen at `el` (JupyterLab light, dark, high contrast). @example readTheme(widget.node) */
export function readTheme(el: HTMLElement): PlotTheme {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const bg = v('--jp-layout-color0', DEFAULT_THEME.bg);
  const flag = document.body.dataset.jpThemeLight;
  const bgRgb = parseColor(bg);
  const dark = flag !== undefined ? flag === 'false' : bgRgb !== null && luminance(bgRgb) < 0.4;
  const size = parseFloat(v('--jp-ui-font-size1', '12px'));
  return {
    font: v('--jp-ui-font-color1', DEFAULT_THEME.font), muted: v('--jp-ui-font-color2', DEFAULT_THEME.muted),
    fontFamily: v('--jp-ui-font-family', DEFAULT_THEME.fontFamily), fontSize: Number.isFinite(size) ? size : 12,
    grid: v('--jp-border-color2', DEFAULT_THEME.grid), line: v('--jp-border-color1', DEFAULT_THEME.line), bg, dark,
    palette: dark ? DARK_PALETTE : LIGHT_PALETTE,
  };
}

const listeners = new Set<() => void>();
let observer: MutationObserver | null = null;

/**
 * Calls `cb` after every lab theme change (body's data-jp-theme-name / -light change once the theme's CSS is in);
 * returns the unsubscribe function. One observer serves every figure.
 * @example const off = onThemeChange(() => void this.draw()); // in dispose(): off()
 */
export function onThemeChange(cb: () => void): () => void {
  listeners.add(cb);
  if (!observer && typeof MutationObserver !== 'undefined' && typeof document !== 'undefined') {
    observer = new MutationObserver(() => requestAnimationFrame(() => listeners.forEach((f) => { try { f(); } catch (e) { console.error('minitron-labextension: re-theme failed', e); } })));
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light'] });
  }
  return () => {
    listeners.delete(cb);
    if (listeners.size === 0 && observer) { observer.disconnect(); observer = null; }
  };
}
