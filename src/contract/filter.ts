import { z } from 'zod';
import { FilterValidationError, parseFilter } from '../store/filter';
import type { Filter } from '../store/filter.types';
import { describedAs } from './json-schema-override';

export type {
  Condition,
  Filter,
  MatchCondition,
  MatchValue,
  RangeCondition,
} from '../store/filter.types';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const matchValue = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

/**
 * The filter language as OpenAPI component schemas (recursive: a condition may be a nested
 * filter). parseFilter (src/store/filter.ts) is the validation; src/contract/filter.spec.ts
 * checks that these schemas accept and refuse the same filters.
 */
export const FILTER_COMPONENT_SCHEMAS: Record<string, Record<string, unknown>> = {
  Filter: {
    type: 'object',
    description:
      'Conditions on stored chunks. must: every condition holds; should: at least one holds (when ' +
      'non-empty); mustNot: none holds; {} matches everything. A condition is a match, a range or ' +
      'a nested filter. At most 4 levels, 64 conditions and 1024 values in all.',
    additionalProperties: false,
    properties: {
      must: { type: 'array', items: ref('FilterCondition') },
      should: { type: 'array', items: ref('FilterCondition') },
      mustNot: { type: 'array', items: ref('FilterCondition') },
    },
    example: {
      must: [
        { key: 'metadata.lang', match: 'en' },
        { key: 'metadata.year', range: { gte: 2020 } },
      ],
      mustNot: [{ key: 'documentId', match: { any: ['draft.md', 'old.md'] } }],
    },
  },
  FilterCondition: {
    oneOf: [ref('MatchCondition'), ref('RangeCondition'), ref('Filter')],
  },
  FilterKey: {
    type: 'string',
    description:
      "'documentId', 'chunkIndex', or 'metadata.<path>' (dot-separated segments of [A-Za-z0-9_-])",
    pattern: '^(documentId|chunkIndex|metadata(\\.[A-Za-z0-9_-]{1,64}){1,16})$',
  },
  MatchCondition: {
    type: 'object',
    description:
      'Strict equality ("3" never equals 3); a stored array matches when an element is equal; ' +
      '{ any: [...] } matches when any value does. A missing key never matches.',
    required: ['key', 'match'],
    additionalProperties: false,
    properties: {
      key: ref('FilterKey'),
      match: {
        oneOf: [
          matchValue,
          {
            type: 'object',
            required: ['any'],
            additionalProperties: false,
            properties: { any: { type: 'array', maxItems: 1024, items: matchValue } },
          },
        ],
      },
    },
  },
  RangeCondition: {
    type: 'object',
    description:
      'A stored finite number within every given bound (not on documentId; arrays never match)',
    required: ['key', 'range'],
    additionalProperties: false,
    properties: {
      key: ref('FilterKey'),
      range: {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: {
          gt: { type: 'number' },
          gte: { type: 'number' },
          lt: { type: 'number' },
          lte: { type: 'number' },
        },
      },
    },
  },
};

/** A request's `filter`: validated by parseFilter, whose messages name the offending path. */
export const filterParamSchema = describedAs(
  z.unknown().transform((value, ctx): Filter | undefined => {
    if (value === undefined || value === null) return undefined;
    try {
      return parseFilter(value);
    } catch (err) {
      if (err instanceof FilterValidationError) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: err.message });
        return z.NEVER;
      }
      throw err;
    }
  }),
  ref('Filter'),
) as unknown as z.ZodType<Filter | undefined, z.ZodTypeDef, Filter | undefined>;
