import { Injectable } from '@nestjs/common';
import { CollectionRecords } from './collection-records';

/**
 * What is left of the catalog's former single service, for src/serving (changed elsewhere at
 * the moment): the collection's version. New code injects the repository it needs instead:
 * CollectionRecords, DocumentRecords, WriteAdmissions or MigrationClaims.
 */
@Injectable()
export class CatalogService {
  constructor(private readonly collections: CollectionRecords) {}

  version(collection: string): Promise<number> {
    return this.collections.version(collection);
  }
}
