import { Global, Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import {
  CollectionMigrations,
  provideCollectionMigrations,
} from '../collections/collection-dependents';
import { ActiveMigrations } from './active-migrations';

/**
 * ActiveMigrations, also as the collections service's CollectionMigrations port. Global, since
 * collections/ must not import this folder; ReembedModule imports it in every role.
 */
@Global()
@Module({
  imports: [CatalogModule],
  providers: [ActiveMigrations, provideCollectionMigrations(ActiveMigrations)],
  exports: [ActiveMigrations, CollectionMigrations],
})
export class ActiveMigrationsModule {}
