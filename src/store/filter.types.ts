/**
 * The one filter language of the API (see docs/API.md), translated per store adapter.
 * Keys address payload fields: `documentId`, `chunkIndex`, or `metadata.<path>`.
 */
export type MatchValue = string | number | boolean;

export interface MatchCondition {
  key: string;
  match: MatchValue | { any: MatchValue[] };
}

export interface RangeCondition {
  key: string;
  range: { gt?: number; gte?: number; lt?: number; lte?: number };
}

export type Condition = MatchCondition | RangeCondition | Filter;

export interface Filter {
  must?: Condition[];
  should?: Condition[];
  mustNot?: Condition[];
}
