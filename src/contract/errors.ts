import { z } from 'zod';

/** Every 4xx and 5xx answer of the API (docs/API.md, "Errors"). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z
        .string()
        .describe(
          'stable and machine-readable: invalid_request, unauthorized, forbidden, not_found, conflict, payload_too_large, rate_limited, backlog_full, unavailable, timeout, not_ready, internal, ...',
        ),
      message: z.string().describe('for people: names the offending field or the reason'),
      details: z
        .unknown()
        .optional()
        .describe('more about the error, e.g. the validation issues as [{ path, message }]'),
    }),
  })
  .describe('The error envelope');

export type ErrorBody = z.infer<typeof errorBodySchema>;
