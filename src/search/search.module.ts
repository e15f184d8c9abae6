import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { EmbeddingModule } from '../embedding/embedding.module';
import { QueueEventsHubModule } from '../jobs/queue-events-hub.module';
import { ServingIndexes } from '../serving/serving-indexes.service';
import { CollectionStates } from './collection-states';
import { SearchCache } from './search-cache';
import { SearchExecutor } from './search-executor';
import { SearchWaiters } from './search-waiters';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';
import { SearchWorker } from './search.worker';

/**
 * Search: /v1/collections/:name/search with its cache and result waiters (api); the search
 * queue's consumer with the in-memory serving indexes (worker).
 */
@Module({})
export class SearchModule {
  static forRole(role: Role): DynamicModule {
    const { serveApi, runWorkers } = roleParts(role);
    const imports: DynamicModule['imports'] = [CatalogModule, EmbeddingModule];
    const controllers: Type[] = [];
    const providers: Provider[] = [];
    if (serveApi) {
      imports.push(QueueEventsHubModule);
      controllers.push(SearchController);
      providers.push(CollectionStates, SearchCache, SearchWaiters, SearchService);
    }
    if (runWorkers) providers.push(ServingIndexes, SearchExecutor, SearchWorker);
    return { module: SearchModule, imports, controllers, providers };
  }
}
