import type { SearchHit, SearchResponse } from '../contract/search';

export type { SearchResponse };

/** A hit as answered (the wire contract's). */
export type HitView = SearchHit;

export type CacheTier = SearchResponse['cache'];
