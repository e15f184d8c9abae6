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
