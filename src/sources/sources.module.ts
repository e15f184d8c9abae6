import type { Provider, Type } from '@nestjs/common';
import { fetchProviders } from './fetch/fetch.providers';
import { URL_DOCUMENTS } from '../ingest/ingest.types';
import { CollectionSources } from './collection-sources';
import { IngestHandoff } from './ingest-handoff';
import { SourceRepository } from './source-repository';
import { SourcesController } from './sources.controller';
import { SourcesService } from './sources.service';
import { SourcesWorker } from './sources.worker';
import { UrlDocumentFetch, UrlDocuments } from './url-documents';

/**
 * The sources feature for a role: the API's controller and service, the worker's sync
 * consumer. Registered into AppModule's own module (like ingest and tuning), because it uses
 * the catalog, the collections service and the ingest producer that module provides.
 */
export function sourcesFeature(
  serveApi: boolean,
  runWorkers: boolean,
): {
  controllers: Type[];
  providers: Provider[];
} {
  const providers: Provider[] = [
    SourceRepository,
    CollectionSources,
    UrlDocuments,
    { provide: URL_DOCUMENTS, useExisting: UrlDocuments },
  ];
  const controllers: Type[] = [];
  if (serveApi) {
    controllers.push(SourcesController);
    providers.push(SourcesService);
  }
  if (runWorkers) {
    providers.push(...fetchProviders, IngestHandoff, UrlDocumentFetch, SourcesWorker);
  }
  return { controllers, providers };
}
