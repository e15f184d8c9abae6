import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { BatchingModule } from '../batching/batching.module';
import { CatalogModule } from '../catalog/catalog.module';
import { CollectionsCoreModule } from '../collections/collections-core.module';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { EmbeddingModule } from '../embedding/embedding.module';
import { ActiveMigrationsModule } from './active-migrations.module';
import { CollectionMigration } from './collection-migration.service';
import { ReembedController } from './reembed.controller';
import { ReembedService } from './reembed.service';
import { ReembedWorker } from './reembed.worker';

/**
 * Re-embedding: POST /v1/collections/:name/reembed (api), the reembed queue's consumer that
 * migrates a collection (worker), and in every role the global ActiveMigrations.
 */
@Module({})
export class ReembedModule {
  static forRole(role: Role): DynamicModule {
    const { serveApi, runWorkers } = roleParts(role);
    const imports: DynamicModule['imports'] = [
      ActiveMigrationsModule,
      CatalogModule,
      EmbeddingModule,
    ];
    const controllers: Type[] = [];
    const providers: Provider[] = [];
    if (serveApi) {
      imports.push(CollectionsCoreModule);
      controllers.push(ReembedController);
      providers.push(ReembedService);
    }
    if (runWorkers) {
      imports.push(BatchingModule);
      providers.push(CollectionMigration, ReembedWorker);
    }
    return { module: ReembedModule, imports, controllers, providers };
  }
}
