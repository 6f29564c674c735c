/** Jupyter wire protocol 5.5: message framing and HMAC signing. */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = '5.5';
const DELIM = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [k: string]: unknown;
}

export type Json = Record<string, unknown>;

export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Json;
  metadata: Json;
  content: Json;
  buffers: Buffer[];
}

/** Thrown for a frame list that is not a valid (or validly signed) Jupyter message. */
export class WireError extends Error {
  constructor(msg: string) { super(`kernel/wire.ts: ${msg}`); this.name = 'WireError'; }
}

/** Signs and parses messages for one connection (key + scheme from the connection file). */
export class Wire {
  readonly session = randomUUID();
  constructor(private readonly key: string, private readonly scheme = 'hmac-sha256') {
    if (key && scheme !== 'hmac-sha256') throw new WireError(`signature_scheme ${scheme} unsupported (expected hmac-sha256)`);
  }

  sign(parts: (Buffer | string)[]): string {
    if (!this.key) return '';
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  header(msgType: string): Header {
    return { msg_id: randomUUID(), session: this.session, username: 'minitron', date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
  }

  parse(frames: Buffer[]): Message {
    const i = frames.findIndex((f) => f.length === DELIM.length && f.toString() === DELIM);
    if (i < 0 || frames.length < i + 6) throw new WireError(`no ${DELIM} delimiter or too few frames (${frames.length})`);
    const [sig, h, p, m, c] = frames.slice(i + 1, i + 6);
    if (this.key) {
      const want = Buffer.from(this.sign([h, p, m, c]));
      if (sig.length !== want.length || !timingSafeEqual(sig, want)) throw new WireError('bad HMAC signature');
    }
    return {
      identities: frames.slice(0, i),
      header: JSON.parse(h.toString()) as Header,
      parent_header: JSON.parse(p.toString()) as Json,
      metadata: JSON.parse(m.toString()) as Json,
      content: JSON.parse(c.toString()) as Json,
      buffers: frames.slice(i + 6),
    };
  }

  /** Frames of a message of type msgType in reply to (or caused by) parent. */
  frames(msgType: string, content: Json, parent: Message | null, identities: Buffer[] = [], metadata: Json = {}, buffers: Uint8Array[] = []): (Buffer | string)[] {
    const parts = [this.header(msgType), parent ? parent.header : {}, metadata, content].map((o) => JSON.stringify(o));
    return [...identities, DELIM, this.sign(parts), ...parts, ...buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
  }
}
