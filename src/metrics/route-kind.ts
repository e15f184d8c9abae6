/**
 * `job_polling`: a client reading job states or following a job event stream (`GET
 * /v1/jobs...`). Waiting clients send many such requests, which would otherwise swamp the
 * request rate and latency of the traffic an operator cares about (`api`).
 */
export type RouteKind = 'api' | 'job_polling';

export function routeKind(method: string, route: string): RouteKind {
  return method.toUpperCase() === 'GET' && (route === '/v1/jobs' || route.startsWith('/v1/jobs/'))
    ? 'job_polling'
    : 'api';
}
