import { z } from 'zod';

/**
 * The longest document id, in UTF-16 code units. Every route that addresses a document takes
 * its id as a path parameter, so the router's parameter limit is set to this same figure
 * (bootstrap.ts): an id that ingest accepts can always be read and deleted.
 */
export const MAX_DOCUMENT_ID_LENGTH = 512;

// Control characters are exactly what the id must refuse.
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
/** A lone surrogate: not Unicode text, and stored as U+FFFD (so two ids would become one). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * One rule for what ingest, get and delete accept as a document id: 1-512 characters of
 * well-formed Unicode, no control characters, and not `.` or `..` (URL clients resolve those
 * as path steps, so no request could name such a document).
 */
export const documentIdSchema = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  .min(1, `must be 1-${MAX_DOCUMENT_ID_LENGTH} characters`)
  .max(MAX_DOCUMENT_ID_LENGTH, `must be 1-${MAX_DOCUMENT_ID_LENGTH} characters`)
  .regex(NO_CONTROL, 'must not contain control characters')
  .refine(
    (id) => !LONE_SURROGATE.test(id),
    'must be well-formed Unicode (a lone surrogate was sent)',
  )
  .refine((id) => id !== '.' && id !== '..', "must not be '.' or '..'");

// ---------------------------------------------------------------- requests

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
  .describe('Exactly one of text, markdown, html or url (fetched by a sources worker)')
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

/** Body of `POST /v1/collections/:name/documents`. */
export const ingestBodySchema = z
  .object({
    documents: z.array(ingestDocumentSchema, {
      required_error: 'is required',
      invalid_type_error: 'must be an array',
    }),
  })
  .strict();

/** A document as the server reads it (after validation). */
export type IngestDocumentBody = z.infer<typeof ingestDocumentSchema>;
export type IngestBody = z.infer<typeof ingestBodySchema>;

export type DocumentFormat = ContentField;

/** Exactly one of `text`, `markdown`, `html`, `url`, as the schema's refinement demands. */
export type DocumentContent = {
  [F in ContentField]: { [K in F]: string } & { [K in Exclude<ContentField, F>]?: never };
}[ContentField];

/** A document as a client sends it. */
export type IngestDocument = Omit<IngestDocumentBody, ContentField> & DocumentContent;

export interface IngestRequest {
  documents: IngestDocument[];
}

/** Query of `GET /v1/collections/:name/documents`. */
export const documentListQuerySchema = z
  .object({
    cursor: z.string().max(4096).optional(),
    limit: z.coerce
      .number({ invalid_type_error: 'must be an integer from 1 to 1000' })
      .int('must be an integer from 1 to 1000')
      .min(1, 'must be an integer from 1 to 1000')
      .max(1000, 'must be an integer from 1 to 1000')
      .default(100),
  })
  .strict();

// ---------------------------------------------------------------- responses

export const jobRefSchema = z.object({ id: z.string(), documentId: z.string() });
export type JobRef = z.infer<typeof jobRefSchema>;

/** 202 of ingesting or deleting documents: one job per document. */
export const jobsAcceptedSchema = z.object({ jobs: z.array(jobRefSchema) });
export type IngestResponse = z.infer<typeof jobsAcceptedSchema>;

export const listedDocumentSchema = z.object({
  id: z.string(),
  chunks: z.number().int().min(0),
  contentHash: z.string(),
  updatedAt: z.string(),
  metadata: z.record(z.unknown()),
});

export type ListedDocument = z.infer<typeof listedDocumentSchema>;

/** `GET /v1/collections/:name/documents`: a page in id order and the cursor of the next. */
export const documentListSchema = z.object({
  documents: z.array(listedDocumentSchema),
  /** Pass as `cursor` for the next page; null after the last one. */
  nextCursor: z.string().nullable(),
});

export type DocumentPage = z.infer<typeof documentListSchema>;

/** `GET /v1/collections/:name/documents/:id`. */
export const documentViewSchema = listedDocumentSchema.extend({
  /** How the content was submitted (a `url` document is stored as the format it was fetched as). */
  format: z.enum(['text', 'markdown', 'html']),
});

export type DocumentView = z.infer<typeof documentViewSchema>;
