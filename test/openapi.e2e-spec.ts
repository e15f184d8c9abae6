import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/bootstrap';
import { CollectionsService } from '../src/collections/collections.service';
import { takeResponseViolations } from '../src/common/response-check';
import { http, RunningApp, startApp } from './support/app-harness';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown } | undefined> }>;
  security?: Array<Record<string, string[]>>;
}

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

  it('documents for every operation its success body, and the error envelope for every error', () => {
    const document = openApiDocument(running.app);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(([method, op]) => ({
        name: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const { name, op } of operations) {
      const statuses = Object.keys(op.responses);
      const successes = statuses.filter((s) => s.startsWith('2'));
      expect({ name, successes: successes.length > 0 }).toEqual({ name, successes: true });
      for (const status of successes) {
        const content = op.responses[status].content;
        // an event stream documents its events instead of a JSON body
        const schema =
          content?.['application/json']?.schema ?? content?.['text/event-stream']?.schema;
        expect({ name, status, documented: status === '204' ? !schema : !!schema }).toEqual({
          name,
          status,
          documented: true,
        });
      }
      for (const status of statuses.filter((s) => /^[45]/.test(s))) {
        expect({
          name,
          status,
          schema: op.responses[status].content?.['application/json']?.schema,
        }).toEqual({ name, status, schema: { $ref: '#/components/schemas/ErrorBody' } });
      }
      const isPublic = name.includes(' /v1/health');
      expect({ name, security: op.security }).toEqual({
        name,
        security: isPublic ? undefined : [{ 'api-key': [] }],
      });
    }
    expect(document.components?.schemas?.ErrorBody).toMatchObject({
      required: ['error'],
      properties: { error: { required: ['code', 'message'] } },
    });
  });

  it('names the API-key bearer scheme (not a JWT) and describes the filter language', () => {
    const document = openApiDocument(running.app);
    expect(document.components?.securitySchemes?.['api-key']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
    });
    const search = document.paths['/v1/collections/{name}/search'].post as unknown as {
      requestBody: {
        content: { 'application/json': { schema: { properties: Record<string, unknown> } } };
      };
    };
    const body = search.requestBody.content['application/json'].schema;
    expect(body.properties.filter).toEqual({ $ref: '#/components/schemas/Filter' });
    expect(body.properties.params).toMatchObject({ properties: { weights: { type: 'object' } } });
    expect(document.components?.schemas?.Filter).toMatchObject({
      properties: { must: {}, should: {}, mustNot: {} },
    });
    expect(document.components?.schemas?.MatchCondition).toMatchObject({
      required: ['key', 'match'],
    });
  });

  it('answers 500 when a route answers something its schema rejects, and records it', async () => {
    const collections = running.app.get(CollectionsService, { strict: false });
    const list = jest
      .spyOn(collections, 'list')
      .mockResolvedValue([{ name: 'docs', documents: 'many' }] as never);
    try {
      const answer = await http<{ error: { code: string; message: string } }>(
        running.url,
        'GET',
        '/v1/collections',
      );
      expect(answer.status).toBe(500);
      expect(answer.body.error.code).toBe('response_contract_violation');
      expect(answer.body.error.message).toMatch(/collections\[0\]\.documents/);
      const violations = takeResponseViolations(running.app);
      expect(violations).toEqual([
        expect.objectContaining({ method: 'GET', route: '/v1/collections', status: 200 }),
      ]);
    } finally {
      list.mockRestore();
    }
    // The real answer keeps the contract.
    const real = await http(running.url, 'GET', '/v1/collections');
    expect(real.status).toBe(200);
    expect(takeResponseViolations(running.app)).toEqual([]);
  });
});
