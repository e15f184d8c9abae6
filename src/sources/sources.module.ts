import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { CollectionsCoreModule } from '../collections/collections-core.module';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { IngestProducerModule } from '../ingest/ingest-producer.module';
import { fetchProviders } from './fetch/fetch.providers';
import { IngestHandoff } from './ingest-handoff';
import { SourcePortsModule } from './source-ports.module';
import { SourcesController } from './sources.controller';
import { SourcesService } from './sources.service';
import { SourcesWorker } from './sources.worker';
import { UrlDocumentFetch } from './url-documents';

/**
 * Sources: /v1/collections/:name/sources (api); the sources queue's consumer that syncs sites
 * and fetches URL documents, handing pages to ingest through the same producer as the API
 * (worker); in every role the global SourcePortsModule.
 */
@Module({})
export class SourcesModule {
  static forRole(role: Role): DynamicModule {
    const { serveApi, runWorkers } = roleParts(role);
    const imports: DynamicModule['imports'] = [SourcePortsModule, IngestProducerModule];
    const controllers: Type[] = [];
    const providers: Provider[] = [];
    if (serveApi) {
      imports.push(CollectionsCoreModule);
      controllers.push(SourcesController);
      providers.push(SourcesService);
    }
    if (runWorkers) {
      imports.push(CatalogModule);
      providers.push(...fetchProviders, IngestHandoff, UrlDocumentFetch, SourcesWorker);
    }
    return { module: SourcesModule, imports, controllers, providers };
  }
}
