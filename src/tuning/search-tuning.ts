import type { CollectionRecords } from '../catalog/collection-records';
import type { CollectionRecord } from '../catalog/catalog.types';
import type { SearchTuning, TuneReport } from '../contract';

/** What `apply` stores on a collection from a report with a recommendation. */
export function searchTuningFrom(report: TuneReport): SearchTuning | null {
  const r = report.recommendation;
  if (!r) return null;
  return {
    ef: r.ef,
    floorEf: r.floorEf,
    target: report.target,
    floor: report.floor,
    recall: r.recall,
    samples: report.samples,
    tunedAt: report.measuredAt,
  };
}

/**
 * Stores (or removes) a collection's tuning and bumps its version: every process drops its
 * cached view of the collection (so the next search reads the new ef) and every cached result
 * of the old version stops matching. Null when the collection no longer exists.
 */
export async function storeSearchTuning(
  collectionRecords: CollectionRecords,
  collection: string,
  tuning: SearchTuning | null,
): Promise<CollectionRecord | null> {
  const record = await collectionRecords.setSearchTuning(collection, tuning);
  if (record) await collectionRecords.bumpVersion(collection);
  return record;
}
