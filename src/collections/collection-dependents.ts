import type { Provider, Type } from '@nestjs/common';
import type { MigrationRecord } from '../catalog/catalog.types';

/*
 * What the collections service needs of the features built on collections, as ports those
 * features provide (reembed: ActiveMigrations; sources: CollectionSources). Collections imports
 * neither feature, so neither feature's folder and collections/ import each other.
 */

/** Which re-embedding is underway on a collection: shown in its view, and it blocks a delete. */
export abstract class CollectionMigrations {
  abstract of(collection: string): Promise<MigrationRecord | null>;
}

/** Removes a collection's sources with their schedules when the collection is deleted. */
export abstract class CollectionSourceCleanup {
  /** Answers how many sources there were. */
  abstract removeAll(collection: string): Promise<number>;
}

/** Provides CollectionMigrations as `implementation` (an instance in the same module). */
export function provideCollectionMigrations(implementation: Type<CollectionMigrations>): Provider {
  return { provide: CollectionMigrations, useExisting: implementation };
}

/** Provides CollectionSourceCleanup as `implementation` (an instance in the same module). */
export function provideCollectionSourceCleanup(
  implementation: Type<CollectionSourceCleanup>,
): Provider {
  return { provide: CollectionSourceCleanup, useExisting: implementation };
}
