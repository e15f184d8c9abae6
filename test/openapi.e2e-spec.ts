import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/bootstrap';
import { http, RunningApp, startApp } from './support/app-harness';

describe('the OpenAPI document', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp({ RAGLINE_ROLE: 'api' });
  });

  afterAll(async () => {
    await running?.close();
  });

  it('is served at /docs', async () => {
    const page = await http<string>(running.url, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(String(page.body)).toMatch(/swagger/i);
  });

  it('matches docs/openapi.json in the repository (run `npm run openapi` after an API change)', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8'),
    ) as unknown;
    const current = JSON.parse(JSON.stringify(openApiDocument(running.app))) as unknown;
    expect(current).toEqual(committed);
  });

  it('documents every endpoint of the API contract', () => {
    const paths = Object.keys(openApiDocument(running.app).paths);
    for (const path of [
      '/v1/collections/{name}',
      '/v1/collections',
      '/v1/collections/{name}/documents',
      '/v1/collections/{name}/documents/{id}',
      '/v1/collections/{name}/search',
      '/v1/collections/{name}/search/batch',
      '/v1/jobs/{id}',
      '/v1/jobs',
      '/v1/jobs/{id}/retry',
      '/v1/health',
      '/v1/health/ready',
      '/v1/health/performance',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
