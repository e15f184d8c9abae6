import { DynamicModule, Module } from '@nestjs/common';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { CollectionsCoreModule } from './collections-core.module';
import { CollectionsController } from './collections.controller';

/** /v1/collections (api). Workers need no collections service of their own. */
@Module({})
export class CollectionsModule {
  /** Build once, in AppModule: features that need CollectionsService import CollectionsCoreModule. */
  static forRole(role: Role): DynamicModule {
    const { serveApi } = roleParts(role);
    return {
      module: CollectionsModule,
      imports: serveApi ? [CollectionsCoreModule] : [],
      controllers: serveApi ? [CollectionsController] : [],
    };
  }
}
