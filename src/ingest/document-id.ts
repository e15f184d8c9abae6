import { z } from 'zod';

/**
 * The longest document id, in UTF-16 code units. Every route that addresses a document takes
 * its id as a path parameter, so the router's parameter limit is set to this same figure
 * (bootstrap.ts): an id that ingest accepts can always be read and deleted.
 */
export const MAX_DOCUMENT_ID_LENGTH = 512;

// Control characters are exactly what the id must refuse.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A lone surrogate: not Unicode text, and stored as U+FFFD (so two ids would become one). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why `id` cannot be a document id, or null if it can. One rule for ingest, get and delete:
 * 1-512 characters of well-formed Unicode, no control characters, and not `.` or `..` (URL
 * clients resolve those as path steps, so no request could name such a document).
 */
export function documentIdProblem(id: string): string | null {
  if (id.length === 0 || id.length > MAX_DOCUMENT_ID_LENGTH) {
    return `must be 1-${MAX_DOCUMENT_ID_LENGTH} characters`;
  }
  if (CONTROL.test(id)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(id)) return 'must be well-formed Unicode (a lone surrogate was sent)';
  if (id === '.' || id === '..') return "must not be '.' or '..'";
  return null;
}

export const documentIdSchema = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  .superRefine((id, ctx) => {
    const problem = documentIdProblem(id);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
