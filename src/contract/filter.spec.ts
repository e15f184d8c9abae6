import Ajv from 'ajv';
import { parseFilter } from '../store/filter';
import { FILTER_COMPONENT_SCHEMAS } from './filter';

/** The documented filter schema, compiled: what an OpenAPI client would check a filter with. */
function documentedValidator(): (filter: unknown) => boolean {
  const ajv = new Ajv({ strict: false });
  const validate = ajv.compile({
    $ref: '#/components/schemas/Filter',
    components: { schemas: FILTER_COMPONENT_SCHEMAS },
  });
  return (filter) => validate(filter);
}

function parses(filter: unknown): boolean {
  try {
    parseFilter(filter);
    return true;
  } catch {
    return false;
  }
}

describe('the documented filter schema (OpenAPI)', () => {
  const documented = documentedValidator();

  it.each([
    {},
    { must: [{ key: 'metadata.lang', match: 'en' }] },
    { should: [{ key: 'chunkIndex', range: { gte: 0, lt: 3 } }] },
    { mustNot: [{ key: 'documentId', match: { any: ['a.md', 'b.md'] } }] },
    {
      must: [
        { key: 'metadata.tags', match: true },
        { key: 'metadata.year', match: 2024 },
      ],
    },
    { must: [{ should: [{ key: 'metadata.a.b', match: 'x' }], mustNot: [] }] },
  ])('accepts what the service accepts: %j', (filter) => {
    expect(parses(filter)).toBe(true);
    expect(documented(filter)).toBe(true);
  });

  it.each([
    { filter: { must: {} } },
    { filter: { any: [] } },
    { filter: { must: [{ key: 'title', match: 'x' }] } },
    { filter: { must: [{ key: 'metadata.', match: 'x' }] } },
    { filter: { must: [{ key: 'metadata.a', match: { all: ['x'] } }] } },
    { filter: { must: [{ key: 'metadata.a', match: null }] } },
    { filter: { must: [{ key: 'metadata.a', range: {} }] } },
    { filter: { must: [{ key: 'metadata.a', range: { gte: '3' } }] } },
    { filter: { must: [{ key: 'metadata.a', range: { near: 3 } }] } },
    { filter: { must: [{ key: 'metadata.a', match: 'x', range: { gt: 1 } }] } },
    { filter: { must: [{ match: 'x' }] } },
  ])('refuses what the service refuses: $filter', ({ filter }) => {
    expect(parses(filter)).toBe(false);
    expect(documented(filter)).toBe(false);
  });
});
