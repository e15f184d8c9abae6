import { z } from 'zod';

/** Jobs named in one request (`?ids=a,b`): what clients waiting on many jobs ask for. */
export const MAX_JOB_IDS = 200;

export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'is not a valid job id');

/** `ids=a,b,c`: trimmed, deduplicated, 1 to MAX_JOB_IDS valid ids. */
export const jobIdsSchema = z
  .string()
  .transform((raw) => [
    ...new Set(
      raw
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z
      .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'holds an invalid job id'))
      .min(1, 'must name at least one job')
      .max(MAX_JOB_IDS, `must name at most ${MAX_JOB_IDS} jobs`),
  );

export const idsQuerySchema = z.object({ ids: jobIdsSchema }).strict();
