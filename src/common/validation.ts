import { ZodError, ZodType, ZodTypeDef } from 'zod';
import { ApiError } from './api-error';

function formatPath(root: string, path: (string | number)[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    root,
  );
}

/** Turns zod's issues into one readable reason that names the offending field. */
export function describeZodError(error: ZodError, root = ''): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${formatPath(root, issue.path) || 'body'}: ${issue.message}`)
    .join('; ');
}

/** Parses a request body or answers 400 with a reason that names the field. */
export function parseOr400<T>(
  schema: ZodType<T, ZodTypeDef, unknown>,
  input: unknown,
  root = '',
): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw ApiError.badRequest(describeZodError(result.error, root), {
      issues: result.error.issues.slice(0, 20).map((i) => ({
        path: formatPath(root, i.path),
        message: i.message,
      })),
    });
  }
  return result.data;
}
