/**
 * In-page contrast measurement for the UI tests: for every visible text in the given elements (plotly SVG text and
 * HTML text), the WCAG contrast of its computed colour (fill/color with opacity) composited over the computed
 * background behind it (the first opaque ancestor background, translucent ones composited on top).
 */

/** One measured text. */
export interface TextContrast { text: string; ratio: number; fg: string; bg: string; where: string }

/** A JavaScript expression (for page.evaluate) that returns TextContrast[] for the texts under `roots` (CSS selector). */
export function contrastScript(roots: string, htmlTexts: string): string {
  return `(() => {
  const parse = (c) => { const m = /rgba?\\(([^)]*)\\)/.exec(c || ''); if (!m) return null; const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (f, b) => [0, 1, 2].map((i) => f[i] * f[3] + b[i] * (1 - f[3])).concat([1]);
  const lum = (c) => { const ch = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]); };
  const background = (el) => { const layers = []; for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } } let b = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) b = over(layers[i], b); return b; };
  const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity || 1); return o; };
  const out = [];
  const measure = (el, colour, alpha, where) => {
    const r = el.getBoundingClientRect(); const text = (el.textContent || '').trim();
    if (!text || r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') return;
    const f = parse(colour); if (!f) return; const bg = background(el); const fg = over([f[0], f[1], f[2], f[3] * alpha * opacity(el)], bg);
    const a = lum(fg), b = lum(bg); out.push({ text: text.slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), fg: colour, bg: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')', where });
  };
  for (const root of document.querySelectorAll(${JSON.stringify(roots)})) {
    for (const t of root.querySelectorAll('svg text')) { const cs = getComputedStyle(t); measure(t, cs.fill, Number(cs.fillOpacity || 1), 'svg'); }
    for (const t of root.querySelectorAll(${JSON.stringify(htmlTexts)})) measure(t, getComputedStyle(t).color, 1, 'html');
  }
  return out;
})()`;
}
