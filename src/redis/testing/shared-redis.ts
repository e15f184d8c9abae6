import { randomBytes } from 'node:crypto';

/** The shared Redis integration specs use: `REDIS_URL`, else the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test run's own, so runs sharing one Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}
