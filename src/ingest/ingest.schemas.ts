import { z } from 'zod';
import { documentIdSchema } from './document-id';

export { documentIdSchema };

const CONTENT_FIELDS = ['text', 'markdown', 'html', 'url'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

export const ingestDocumentSchema = z
  .object({
    id: documentIdSchema,
    text: z.string().optional(),
    markdown: z.string().optional(),
    html: z.string().optional(),
    url: z
      .string()
      .max(2048, 'must be at most 2048 characters')
      .refine(
        (v) => /^https?:\/\/[^/?#\s]+/i.test(v) && URL.canParse(v),
        'must be an absolute http(s) URL',
      )
      .optional(),
    metadata: z.record(z.unknown()).optional(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const given = CONTENT_FIELDS.filter((f) => doc[f] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          given.length === 0
            ? 'needs exactly one of text, markdown, html, url'
            : `needs exactly one of text, markdown, html, url (got ${given.join(' and ')})`,
      });
    }
    // A blank document would be stored as 0 chunks, silently: refuse it with a reason instead.
    for (const field of given) {
      if (field !== 'url' && doc[field]?.trim() === '') {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [field],
          message: 'is empty or only whitespace: a document needs some text',
        });
      }
    }
  });

export const ingestBodySchema = z
  .object({
    documents: z.array(ingestDocumentSchema, {
      required_error: 'is required',
      invalid_type_error: 'must be an array',
    }),
  })
  .strict();

export type IngestDocument = z.infer<typeof ingestDocumentSchema>;
export type IngestBody = z.infer<typeof ingestBodySchema>;
