import { z } from 'zod';

export const DEFAULT_TUNE_EFS = [16, 32, 64, 128, 256];
export const DEFAULT_TUNE_SAMPLES = 200;
export const DEFAULT_TUNE_TARGET = 0.99;
export const DEFAULT_TUNE_FLOOR = 0.95;
export const MAX_TUNE_SAMPLES = 2000;
export const MAX_TUNE_EFS = 8;

const recall = z
  .number({ invalid_type_error: 'must be a number' })
  .gt(0, 'must be a recall above 0')
  .max(1, 'must be a recall of at most 1');

/**
 * Body of POST /v1/admin/collections/:name/tune. ef values are sorted and de-duplicated; the
 * floor defaults to 0.95, or to the target when that is lower, and may not exceed it.
 */
export const tuneBodySchema = z
  .object({
    samples: z
      .number({ invalid_type_error: 'must be an integer' })
      .int('must be an integer')
      .min(10, 'must be at least 10')
      .max(MAX_TUNE_SAMPLES, `must be at most ${MAX_TUNE_SAMPLES}`)
      .default(DEFAULT_TUNE_SAMPLES),
    ef: z
      .array(
        z
          .number({ invalid_type_error: 'must be an integer' })
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(4096, 'must be at most 4096'),
        { invalid_type_error: 'must be a list of integers' },
      )
      .min(1, 'must name at least one ef')
      .max(MAX_TUNE_EFS, `must name at most ${MAX_TUNE_EFS} values`)
      .default(DEFAULT_TUNE_EFS)
      .transform((efs) => [...new Set(efs)].sort((a, b) => a - b)),
    target: recall.default(DEFAULT_TUNE_TARGET),
    floor: recall.optional(),
    apply: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.floor !== undefined && body.floor > body.target) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['floor'],
        message: `must not exceed target (${body.target})`,
      });
    }
  })
  .transform((body) => ({
    ...body,
    floor: body.floor ?? Math.min(DEFAULT_TUNE_FLOOR, body.target),
  }));

export type TuneBody = z.infer<typeof tuneBodySchema>;
