import type { ReembedResponse } from '../contract/collections';

/** How long a running re-embedding holds writes back without renewing its claim. */
export const MIGRATION_CLAIM_TTL_MS = 60_000;
export const MIGRATION_RENEW_MS = 15_000;

/** What `POST /v1/collections/:name/reembed` answers. */
export type ReembedAccepted = ReembedResponse;
