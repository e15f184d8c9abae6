import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { StoreMaintenanceRegistrar } from './store-maintenance.registrar';
import { TuneController } from './tune.controller';
import { TuneService } from './tune.service';
import { TuneWorker } from './tune.worker';

/**
 * Tuning: /v1/admin/collections/:name/tune and /tuning (api); the tune queue's consumer and
 * the store maintenance the optimizer runs (worker).
 */
@Module({})
export class TuningModule {
  static forRole(role: Role): DynamicModule {
    const { serveApi, runWorkers } = roleParts(role);
    const controllers: Type[] = [];
    const providers: Provider[] = [];
    if (serveApi) {
      controllers.push(TuneController);
      providers.push(TuneService);
    }
    if (runWorkers) providers.push(TuneWorker, StoreMaintenanceRegistrar);
    return { module: TuningModule, imports: [CatalogModule], controllers, providers };
  }
}
