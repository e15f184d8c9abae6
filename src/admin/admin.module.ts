import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AdminApiController } from './admin-api.controller';
import { AdminAssets } from './admin-assets';
import { AdminAuthGuard, AdminKeys } from './admin-auth';
import { ADMIN_SETTINGS } from './admin-settings';
import { AdminPageController } from './admin-page.controller';
import { BullBoardRegistrar } from './bull-board.registrar';

/**
 * The operator surface: the live performance page at /admin (with its JSON under /admin/api)
 * and Bull Board at /admin/queues, both behind the admin key when API keys are configured.
 * Import it only in processes that serve HTTP (role api or all).
 */
@Module({
  controllers: [AdminPageController, AdminApiController],
  providers: [
    {
      provide: ADMIN_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => config.admin,
    },
    AdminKeys,
    AdminAuthGuard,
    AdminAssets,
    BullBoardRegistrar,
  ],
})
export class AdminModule {}
