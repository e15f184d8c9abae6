'use strict';
/**
 * Container health probe (Dockerfile HEALTHCHECK and docker-compose): exits 0 when
 * GET /v1/health on this process answers 2xx within the timeout, 1 otherwise.
 * Plain Node (global fetch), no dependencies, so it runs in the runtime image as is.
 */
const port = process.env.PORT || '3000';
const bound = (process.env.HOST || '').trim();
// A process bound to every interface (the image's default) is probed through loopback.
const host = bound === '' || bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
const url =
  process.env.RAGLINE_HEALTH_URL ||
  `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1/health`;
const timeoutMs = Number(process.env.RAGLINE_HEALTH_TIMEOUT_MS || 4000);

fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  .then((res) => {
    if (!res.ok) console.error(`unhealthy: ${url} answered ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  })
  .catch((err) => {
    console.error(
      `unhealthy: ${url}: ${err && err.cause ? err.cause.code || err.cause.message : err}`,
    );
    process.exit(1);
  });
