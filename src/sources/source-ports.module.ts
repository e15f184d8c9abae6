import { Global, Module } from '@nestjs/common';
import { provideCollectionSourceCleanup } from '../collections/collection-dependents';
import { CollectionSourceCleanup } from '../collections/collection-dependents';
import { URL_DOCUMENTS } from '../ingest/ingest.types';
import { CollectionSources } from './collection-sources';
import { SourceRepository } from './source-repository';
import { UrlDocuments } from './url-documents';

/**
 * What other features see of sources, in every role: the collections service's
 * CollectionSourceCleanup port (a collection's delete removes its sources) and the ingest
 * producer's URL_DOCUMENTS sink (documents ingested by URL). Global, since collections/ and
 * ingest/ must not import this folder; SourcesModule imports it in every role.
 */
@Global()
@Module({
  providers: [
    SourceRepository,
    CollectionSources,
    provideCollectionSourceCleanup(CollectionSources),
    UrlDocuments,
    { provide: URL_DOCUMENTS, useExisting: UrlDocuments },
  ],
  exports: [SourceRepository, CollectionSourceCleanup, URL_DOCUMENTS],
})
export class SourcePortsModule {}
