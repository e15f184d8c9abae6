import type { Role } from './config';

/** Which parts of a feature a process runs: `api` serves HTTP, `worker` consumes queues, `all` both. */
export interface RoleParts {
  serveApi: boolean;
  runWorkers: boolean;
}

export function roleParts(role: Role): RoleParts {
  return { serveApi: role !== 'worker', runWorkers: role !== 'api' };
}
