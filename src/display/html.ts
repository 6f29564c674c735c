/** Small HTML/text helpers for the display fallbacks (tables that read well on GitHub and nbviewer). */
import { formatCount } from '../plan_core/format.js';

/** Escapes &, <, >, " and '. @example escapeHtml('<b>') // '&lt;b&gt;' */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Formats a count compactly for tables (1234567 → '1.23M'): the plan core's formatCount with two decimals of millions. @example fmtCount(1234567) // '1.23M' */
export function fmtCount(n: number): string {
  return formatCount(n, 2);
}

/** Formats a float with 4 significant digits ('' for undefined). @example fmtNum(0.123456) // '0.1235' */
export function fmtNum(x: number | undefined | null): string {
  if (x === undefined || x === null) return '';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(4)).toString();
}

/** An HTML table with an optional caption. @example htmlTable(['a'], [['1']]) */
export function htmlTable(head: string[], rows: string[][], caption?: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : '';
  return `<table>${cap}<thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

/** A fixed-width text table. @example textTable(['a', 'b'], [['1', '2']]) */
export function textTable(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (c ?? '').padEnd(w[i])).join('  ').trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** Unicode bar of length `width` for a fraction in [0, 1]. @example textBar(0.5, 10) // '█████     ' */
export function textBar(frac: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(frac) ? frac : 0));
  const full = Math.round(f * width);
  return '█'.repeat(full) + ' '.repeat(width - full);
}

/** Inline SVG polyline chart of one or more series (no scripts; renders on nbviewer). @example svgLines({ loss: [3, 2, 1] }) */
export function svgLines(series: Record<string, number[]>, width = 480, height = 160): string {
  const all = Object.values(series).flat().filter(Number.isFinite);
  if (all.length === 0) return '';
  const lo = Math.min(...all), hi = Math.max(...all);
  const span = hi - lo || 1;
  const n = Math.max(...Object.values(series).map((s) => s.length));
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];
  const pad = 28;
  const lines = Object.entries(series).map(([name, s], k) => {
    const pts = s.map((v, i) => Number.isFinite(v)
      ? `${(pad + (n <= 1 ? 0 : (i / (n - 1)) * (width - 2 * pad))).toFixed(1)},${(height - pad - ((v - lo) / span) * (height - 2 * pad)).toFixed(1)}`
      : '').filter(Boolean).join(' ');
    const c = colors[k % colors.length];
    return `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts}"/>` +
      `<text x="${width - pad}" y="${14 + 12 * k}" font-size="10" text-anchor="end" fill="${c}">${escapeHtml(name)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="2" y="${pad}" font-size="10">${escapeHtml(fmtNum(hi))}</text><text x="2" y="${height - pad}" font-size="10">${escapeHtml(fmtNum(lo))}</text>` +
    `${lines}</svg>`;
}
