import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { JobQueues } from '../queues/job-queues';
import { ALL_QUEUES } from '../queues/queue-names';
import { AdminKeys } from './admin-auth';
import { ADMIN_SETTINGS, AdminSettings } from './admin-settings';
import { ADMIN_PAGE_PATH, registerBullBoard } from './bull-board';

export const BOARD_QUEUES = ALL_QUEUES;

/**
 * Puts Bull Board on the app's Fastify instance when the module starts. The queues are the
 * app's own instances (QueuesModule's JobQueues): registering them here again would open a
 * second Queue, and Redis connection, per name.
 */
@Injectable()
export class BullBoardRegistrar implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queues: JobQueues,
    private readonly keys: AdminKeys,
    @Inject(ADMIN_SETTINGS) private readonly settings: AdminSettings,
  ) {}

  onModuleInit(): void {
    const queues = BOARD_QUEUES.map((name) => this.queues.get(name));
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    registerBullBoard(fastify, { queues, settings: this.settings, onRequest: this.keys.onRequest });
    // Nest folds `/admin/` into `/admin`, so the slash form would otherwise be a 404.
    fastify.get(`${ADMIN_PAGE_PATH}/`, (_request, reply) => reply.redirect(ADMIN_PAGE_PATH));
  }
}
