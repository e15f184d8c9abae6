import { collectionKey } from '../redis/keys';

/** The keys one collection owns in the catalog (each under the collection's hash tag). */
export type CollectionKeyPart =
  'record' | 'docs' | 'docindex' | 'desired' | 'version' | 'lock' | 'migration' | 'writers' | 'seq';

/**
 * Names of the catalog's keys, shared by its repositories. Every key of one collection shares
 * the collection's hash tag (keys.ts: collectionKey), so each Lua script and MULTI of a
 * repository, which touches one collection only, runs on one slot of a Redis Cluster.
 */
export class CatalogKeys {
  private readonly base: string;

  constructor(private readonly prefix: string) {
    this.base = `${prefix}:catalog`;
  }

  /** Names of the collections (a name whose record is gone is skipped when listing). */
  get names(): string {
    return `${this.base}:names`;
  }

  /** The hash that held every record before per-collection keys (moved away at start). */
  get legacyRecords(): string {
    return `${this.base}:collections`;
  }

  /** The pub/sub channel of version events (VersionEvent). */
  get events(): string {
    return `${this.base}:events`;
  }

  of(collection: string, part: CollectionKeyPart): string {
    return collectionKey(this.prefix, collection, part);
  }

  /** A document's write lock. */
  lock(collection: string, documentId: string): string {
    return `${this.of(collection, 'lock')}:${documentId}`;
  }
}
