/** What `npm run load --` was asked (see main.ts for the meaning of each). */
export interface RunnerOptions {
  scenario: string;
  rate?: number;
  duration?: number;
  dataset?: string;
  docs?: number;
  ingestDataset?: string;
  ingestDocs?: number;
  /** Queries in the Zipf pool; absent: the corpus's own queries (see buildQueryPool). */
  pool?: number;
  zipf: number;
  p95?: number;
  p99?: number;
  maxErrorRate?: number;
  minHitRate?: number;
  step?: boolean;
  rates?: number[];
  pastBreak: number;
  /** Steps bisecting between the last rate held and the first that broke. */
  refine: number;
  bareSeconds: number;
  ingestCompare?: boolean;
  ingestInto: 'other' | 'same';
  seed: number;
  env: Record<string, string>;
  out: string;
  /** Search every pool query once before the measured run. */
  warm?: boolean;
  keepData?: boolean;
  quiet?: boolean;
}
