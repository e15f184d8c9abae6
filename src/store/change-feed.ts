import type Redis from 'ioredis';

/**
 * Which stored points each committed write touched, per store collection, in commit order: a
 * Redis stream that the in-memory serving indexes of every worker process read to stay
 * current. An entry names ids only; readers fetch those points' current state from the
 * durable store, so applying entries is idempotent and the order of concurrent writers'
 * entries does not matter (the last entry naming an id is read after that id's last commit).
 * A reset entry (a collection dropped, or rows deleted by filter) makes readers reload.
 */
export interface ChangeEntry {
  id: string;
  upserted: string[];
  removed: string[];
  reset: boolean;
}

/** Entries kept per collection; a reader further behind than this reloads. */
const MAX_ENTRIES = 20_000;

export class ChangeFeed {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** The stream's key; the hash tag keeps it in one Redis Cluster slot per collection. */
  key(storeCollection: string): string {
    return `${this.prefix}:changes:{${storeCollection}}`;
  }

  async record(
    storeCollection: string,
    change: { upserted?: string[]; removed?: string[] },
  ): Promise<void> {
    const body = JSON.stringify({ u: change.upserted ?? [], r: change.removed ?? [] });
    await this.redis.xadd(this.key(storeCollection), 'MAXLEN', '~', MAX_ENTRIES, '*', 'c', body);
  }

  async recordReset(storeCollection: string): Promise<void> {
    await this.redis.xadd(this.key(storeCollection), 'MAXLEN', '~', MAX_ENTRIES, '*', 'reset', '1');
  }

  /** The newest entry's id ('0-0' when there is none): where a full load starts reading. */
  async head(storeCollection: string): Promise<string> {
    const last = await this.redis.xrevrange(this.key(storeCollection), '+', '-', 'COUNT', 1);
    return last[0]?.[0] ?? '0-0';
  }

  /**
   * Entries after `afterId`, or 'gap' when some of them were trimmed away (the reader must
   * reload). At most `count` entries per call.
   */
  async readAfter(
    storeCollection: string,
    afterId: string,
    count = 1000,
  ): Promise<ChangeEntry[] | 'gap'> {
    const key = this.key(storeCollection);
    if (await this.missedTrimmedEntries(key, afterId)) return 'gap';
    const entries = await this.redis.xrange(key, `(${afterId}`, '+', 'COUNT', count);
    return entries.map(([id, fields]) => parseEntry(id, fields));
  }

  /**
   * Trimming removes the oldest entries. A reader whose own last entry is still there has
   * missed nothing; one whose entry is gone may have (reload, to be safe); one that has read
   * nothing yet missed something when more entries were ever added than remain.
   */
  private async missedTrimmedEntries(key: string, afterId: string): Promise<boolean> {
    if (afterId !== '0-0') {
      return (await this.redis.xrange(key, afterId, afterId)).length === 0;
    }
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', key)) as unknown[];
    } catch {
      return false; // no stream yet
    }
    const field = (name: string) => Number(info[info.indexOf(name) + 1] ?? 0);
    return field('entries-added') > field('length');
  }
}

function parseEntry(id: string, fields: string[]): ChangeEntry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i], fields[i + 1]);
  if (values.has('reset')) return { id, upserted: [], removed: [], reset: true };
  const body = JSON.parse(values.get('c') ?? '{}') as { u?: string[]; r?: string[] };
  return { id, upserted: body.u ?? [], removed: body.r ?? [], reset: false };
}

export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
