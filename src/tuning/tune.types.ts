import type { TuneParams } from './ef-tuner';

export const TUNE_QUEUE = 'tune';

export interface TuneJobData {
  collection: string;
  params: TuneParams;
  /** Store the recommendation on the collection when there is one. */
  apply: boolean;
}
