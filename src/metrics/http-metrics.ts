import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetricsService } from './metrics.service';

/** The route label of a request that matched no route (404s, probes for random paths). */
export const UNMATCHED_ROUTE = 'unmatched';

export interface HttpObservation {
  method: string;
  /** The route pattern, e.g. `/v1/collections/:name/search`, or `unmatched`. */
  route: string;
  statusCode: number;
  durationMs: number;
}

export interface HttpMetricsOptions {
  /** Called after each response is observed (e.g. to feed MonitorService.recordHttp). */
  onObserved?: (observation: HttpObservation) => void;
}

/** The pattern of the route that served the request; raw URLs never become labels. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions?.url ?? UNMATCHED_ROUTE;
}

/**
 * Times every request from onRequest to onResponse into ragline_http_request_duration_seconds.
 * Call it on the Fastify instance before the app starts listening (after NestFactory.create,
 * before app.listen / app.init).
 */
export function installHttpMetrics(
  fastify: FastifyInstance,
  metrics: MetricsService,
  options: HttpMetricsOptions = {},
): void {
  const startedAt = new WeakMap<FastifyRequest, number>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    startedAt.set(request, performance.now());
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const start = startedAt.get(request);
    const durationMs = start === undefined ? reply.elapsedTime : performance.now() - start;
    const observation: HttpObservation = {
      method: request.method,
      route: routeLabel(request),
      statusCode: reply.statusCode,
      durationMs,
    };
    metrics.observeHttp(
      observation.method,
      observation.route,
      observation.statusCode,
      observation.durationMs,
    );
    try {
      options.onObserved?.(observation);
    } catch {
      // An observer must never break a response.
    }
    done();
  });
}
