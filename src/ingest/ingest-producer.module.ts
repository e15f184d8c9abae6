import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { DocumentBodies } from './document-bodies';
import { IngestProducerService } from './ingest-producer.service';

/**
 * Adding ingest jobs, and the document bodies they carry, for every part that submits or
 * retries them: the documents API, the jobs API, the sources API and sync worker. No
 * controllers or workers: import it anywhere. The producer reports URL documents to the
 * URL_DOCUMENTS sink when the sources feature provides it (globally).
 */
@Module({
  imports: [CatalogModule],
  providers: [DocumentBodies, IngestProducerService],
  exports: [DocumentBodies, IngestProducerService],
})
export class IngestProducerModule {}
