import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { BatchingModule } from '../batching/batching.module';
import { CatalogModule } from '../catalog/catalog.module';
import { CollectionsCoreModule } from '../collections/collections-core.module';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { EmbeddingModule } from '../embedding/embedding.module';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { IngestPipelineService } from './ingest-pipeline.service';
import { IngestProducerModule } from './ingest-producer.module';
import { IngestWorker } from './ingest.worker';

/** Documents: /v1/collections/:name/documents (api), the ingest queue's consumer (worker). */
@Module({})
export class IngestModule {
  static forRole(role: Role): DynamicModule {
    const { serveApi, runWorkers } = roleParts(role);
    const imports: DynamicModule['imports'] = [
      CatalogModule,
      EmbeddingModule,
      IngestProducerModule,
    ];
    const controllers: Type[] = [];
    const providers: Provider[] = [];
    if (serveApi) {
      imports.push(CollectionsCoreModule);
      controllers.push(DocumentsController);
      providers.push(DocumentsService);
    }
    if (runWorkers) {
      imports.push(BatchingModule);
      providers.push(IngestPipelineService, IngestWorker);
    }
    return { module: IngestModule, imports, controllers, providers };
  }
}
