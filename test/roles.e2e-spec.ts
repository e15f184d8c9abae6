import { Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { AppModule } from '../src/app.module';
import { CollectionsController } from '../src/collections/collections.controller';
import { FeatureShutdown } from '../src/common/feature-shutdown';
import { Role } from '../src/config/config';
import { DocumentsController } from '../src/ingest/documents.controller';
import { IngestWorker } from '../src/ingest/ingest.worker';
import { JobsController } from '../src/jobs/jobs.controller';
import { ReembedController } from '../src/reembed/reembed.controller';
import { ReembedWorker } from '../src/reembed/reembed.worker';
import { SearchController } from '../src/search/search.controller';
import { SearchWorker } from '../src/search/search.worker';
import { SourcesController } from '../src/sources/sources.controller';
import { SourcesWorker } from '../src/sources/sources.worker';
import { TuneController } from '../src/tuning/tune.controller';
import { TuneWorker } from '../src/tuning/tune.worker';
import { http, RunningApp, startApp } from './support/app-harness';

const API_CONTROLLERS: Type[] = [
  CollectionsController,
  DocumentsController,
  JobsController,
  SearchController,
  ReembedController,
  TuneController,
  SourcesController,
];
const WORKERS: Type[] = [IngestWorker, SearchWorker, ReembedWorker, TuneWorker, SourcesWorker];

/** How many modules register each controller class, and each provider class, in the app. */
function registrations(app: RunningApp): {
  controllers: Map<Type, number>;
  providers: Map<Type, number>;
} {
  const controllers = new Map<Type, number>();
  const providers = new Map<Type, number>();
  const count = (map: Map<Type, number>, type: Type) => map.set(type, (map.get(type) ?? 0) + 1);
  for (const module of app.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) count(controllers, wrapper.metatype as Type);
    for (const [token, wrapper] of module.providers) {
      // Classes provided under their own name; Nest's per-module ones (ModuleRef, the module) aside.
      if (typeof token !== 'function' || token === module.metatype) continue;
      if (wrapper.metatype !== token || token.name === 'ModuleRef') continue;
      count(providers, token as Type);
    }
  }
  return { controllers, providers };
}

const twice = (map: Map<Type, number>) => [...map].filter(([, n]) => n > 1).map(([t]) => t.name);

describe.each<[Role, { api: boolean; workers: boolean }]>([
  ['api', { api: true, workers: false }],
  ['worker', { api: false, workers: true }],
  ['all', { api: true, workers: true }],
])('role %s', (role, parts) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp({ RAGLINE_ROLE: role });
  }, 120_000);

  afterAll(async () => {
    await running?.close();
  });

  it('registers every controller and every provider class once', () => {
    const { controllers, providers } = registrations(running);
    expect(twice(controllers)).toEqual([]);
    expect(twice(providers)).toEqual([]);
  });

  it(`${parts.api ? 'has' : 'lacks'} the API controllers, ${parts.workers ? 'has' : 'lacks'} the queue workers`, () => {
    const { controllers, providers } = registrations(running);
    for (const controller of API_CONTROLLERS) {
      expect([controller.name, controllers.get(controller) ?? 0]).toEqual([
        controller.name,
        parts.api ? 1 : 0,
      ]);
    }
    for (const worker of WORKERS) {
      expect([worker.name, providers.get(worker) ?? 0]).toEqual([
        worker.name,
        parts.workers ? 1 : 0,
      ]);
    }
  });

  it(`answers /v1/health, ${parts.api ? 'and' : 'not'} /v1/collections`, async () => {
    expect((await http(running.url, 'GET', '/v1/health')).status).toBe(200);
    expect((await http(running.url, 'GET', '/v1/collections')).status).toBe(parts.api ? 200 : 404);
    if (parts.api) {
      const bad = await http<{ error: { code: string; message: string } }>(
        running.url,
        'GET',
        '/v1/collections/Bad!Name/documents',
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^collection name: must match/);
    }
  });

  it('runs the shutdown hooks of the features first, and all at once', async () => {
    // Nest calls shutdown hooks module by module from the root down: FeatureShutdown, in the
    // root, must come before every feature module.
    const modules = [...running.app.get(ModulesContainer).values()];
    const root = modules.find((m) => m.metatype === AppModule);
    const features = modules.filter((m) => !m.isGlobal && m !== root);
    expect(features.length).toBeGreaterThan(8);
    for (const m of features) expect(m.distance).toBeGreaterThan(root?.distance ?? Infinity);

    const workers = (parts.workers ? WORKERS : []).map((type) => ({
      name: type.name,
      worker: (running.app.get(type) as { worker?: Worker }).worker,
    }));
    const runningNow = () => workers.map(({ name, worker }) => [name, worker?.isRunning()]);
    expect(runningNow()).toEqual(workers.map(({ name }) => [name, true]));
    await running.app.get(FeatureShutdown).beforeApplicationShutdown('SIGTERM');
    expect(runningNow()).toEqual(workers.map(({ name }) => [name, false]));
  });
});
