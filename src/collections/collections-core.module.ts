import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { EmbeddingModule } from '../embedding/embedding.module';
import { CollectionsService } from './collections.service';

/**
 * CollectionsService alone, for the features that check or describe collections (documents,
 * sources, reembed). No controllers: import it anywhere, any number of times. It needs the two
 * ports of collection-dependents.ts, which the reembed and sources features provide globally.
 */
@Module({
  imports: [CatalogModule, EmbeddingModule],
  providers: [CollectionsService],
  exports: [CollectionsService],
})
export class CollectionsCoreModule {}
