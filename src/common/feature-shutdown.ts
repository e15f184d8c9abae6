import { BeforeApplicationShutdown, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

type ShutdownHook = 'beforeApplicationShutdown' | 'onApplicationShutdown';

/**
 * Runs the feature modules' shutdown hooks at the same time. Nest calls a hook module by
 * module, one module after another, and every queue worker lives in its own feature module:
 * without this, the search worker would go on taking jobs while the ingest worker drains, and
 * each drain would add its own timeout to the shutdown. Provide it in the root module, whose
 * hooks Nest calls first: it calls every hook of the non-global modules at once and leaves each
 * instance answering Nest's own call later with the same promise. Global modules (Redis, the
 * store, the queues) still close after, as before.
 */
@Injectable()
export class FeatureShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly modules: ModulesContainer) {}

  beforeApplicationShutdown(signal?: string): Promise<void> {
    return this.runTogether('beforeApplicationShutdown', signal);
  }

  onApplicationShutdown(signal?: string): Promise<void> {
    return this.runTogether('onApplicationShutdown', signal);
  }

  private async runTogether(hook: ShutdownHook, signal?: string): Promise<void> {
    const runs: Promise<unknown>[] = [];
    for (const module of this.modules.values()) {
      if (module.isGlobal) continue;
      for (const wrapper of [...module.providers.values(), ...module.controllers.values()]) {
        const instance = wrapper.instance as Partial<Record<ShutdownHook, unknown>> | undefined;
        if (!instance || instance === this || typeof instance[hook] !== 'function') continue;
        const hookOf = instance[hook] as (s?: string) => unknown;
        const run = Promise.resolve().then(() => hookOf.call(instance, signal));
        instance[hook] = () => run;
        runs.push(run);
      }
    }
    await Promise.all(runs);
  }
}
