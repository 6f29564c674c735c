/** In-memory input/output history answering history_request (tail, range, search) for this kernel session. */
export class History {
  private readonly entries: { line: number; input: string; output: string | null }[] = [];
  constructor(readonly session = 1) {}

  add(line: number, input: string): void { this.entries.push({ line, input, output: null }); }
  setOutput(line: number, output: string): void {
    const e = this.entries.find((x) => x.line === line);
    if (e) e.output = output;
  }

  /** Rows of [session, line, input] or [session, line, [input, output]]. */
  query(c: Record<string, unknown>): unknown[] {
    const fmt = (e: { line: number; input: string; output: string | null }): unknown[] =>
      [this.session, e.line, c.output ? [e.input, e.output] : e.input];
    const type = c.hist_access_type;
    const n = typeof c.n === 'number' ? c.n : null;
    if (type === 'tail') return this.entries.slice(n === null ? 0 : -n || this.entries.length).map(fmt);
    if (type === 'range') {
      const start = typeof c.start === 'number' ? c.start : 0;
      const stop = typeof c.stop === 'number' ? c.stop : Infinity;
      const session = typeof c.session === 'number' ? c.session : 0;
      if (session !== 0 && session !== this.session && session !== -1) return [];
      return this.entries.filter((e) => e.line >= start && e.line < stop).map(fmt);
    }
    if (type === 'search') {
      const pat = typeof c.pattern === 'string' ? c.pattern : '*';
      const re = new RegExp(`^${pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      let hits = this.entries.filter((e) => re.test(e.input));
      if (c.unique) {
        const seen = new Set<string>();
        hits = hits.reverse().filter((e) => (seen.has(e.input) ? false : (seen.add(e.input), true))).reverse();
      }
      if (n !== null) hits = hits.slice(-n);
      return hits.map(fmt);
    }
    return [];
  }
}
