import type { TuneReport } from '../contract/tuning';

/** What a tune measures: sampled points, the efs tried, and the recall it aims for. */
export interface TuneParams {
  samples: number;
  /** Ascending, distinct. */
  efs: number[];
  target: number;
  floor: number;
}

/** A job of the tune queue. */
export interface TuneJobData {
  collection: string;
  params: TuneParams;
  /** Store the recommendation on the collection when there is one. */
  apply: boolean;
}

export type TuneJobResult = TuneReport;
