/** text/plain and text/html fallbacks of a reproducibility stamp (src/io/stamp.ts). */
import type { Stamp } from '../io/stamp.js';
import { htmlTable, textTable } from './html.js';
import type { Rendered } from './renderers.js';

/** The stamp as [field, value] rows: versions, git, backend, machine, env, seed, digests (first 16 hex digits). @example stampRows(s)[0] */
export function stampRows(s: Stamp): string[][] {
  const rows: string[][] = [['time (UTC)', s.time]];
  for (const [k, v] of Object.entries(s.versions)) rows.push([k, v]);
  if (s.git) rows.push(['git commit', `${s.git.commit.slice(0, 12)}${s.git.dirty ? ' (modified)' : ''}`]);
  if (s.backend) rows.push(['backend', `${s.backend.name} (tfjs ${s.backend.tfjs})`]);
  if (s.backend?.blas) rows.push(['BLAS', s.backend.blas]);
  rows.push(['CPU', `${s.machine.cpu} × ${s.machine.cores}`], ['memory', `${s.machine.memoryGb} GiB`], ['OS', s.machine.os]);
  for (const [k, v] of Object.entries(s.env)) rows.push([`env ${k}`, v]);
  rows.push(['seed', s.seed === null ? '—' : String(s.seed)]);
  for (const [k, v] of Object.entries(s.sha256)) rows.push([`sha256 ${k}`, v.slice(0, 16)]);
  return rows;
}

/** Renders a stamp as a two-column table. @example renderStamp(mt.stamp()).html */
export function renderStamp(s: Stamp): Rendered {
  const rows = stampRows(s);
  return { text: `Reproducibility stamp\n${textTable(['field', 'value'], rows)}`, html: htmlTable(['field', 'value'], rows, 'Reproducibility stamp') };
}
