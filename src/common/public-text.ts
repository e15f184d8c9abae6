/**
 * What a caller may read of an error. Driver and runtime text (file paths, Rust sources, stack
 * frames, socket addresses, client-library wording) tells an attacker where things live and
 * tells a user nothing they can act on: it goes to the log and to admin-only views, and callers
 * get a plain sentence instead. The one place every answer's text passes through.
 */
const INTERNAL_MARKERS: readonly RegExp[] = [
  // an absolute path with at least two segments: /var/lib/ragline/lancedb, ~/data/x (the
  // service's own routes, /v1/..., /admin/..., are no secret)
  /(?:^|[\s'"`([{=:,])~?\/(?!(?:v1|admin|metrics|docs)\/)[^\s'"`/]+\/[^\s'"`]*/,
  // a Windows path or a file: URL
  /\b[A-Za-z]:\\|\\\\[\w.-]+\\|\bfile:\/\//,
  /node_modules/,
  // Rust sources and panics (LanceDB, its Arrow and object-store crates)
  /\.rs\b|\bpanicked at\b|RUST_BACKTRACE|\blance(?:db)?\s*error\b/i,
  // a stack frame
  /\n\s*at\s|\bat\s+(?:async\s+)?[\w$.<>[\]]+\s+\(/,
  /\b[\w-]+\.(?:ts|js|mjs|cjs):\d+/,
  // Redis client wording, system error codes, and socket addresses
  /\bioredis\b|maxRetriesPerRequest|enableOfflineQueue|\bWRONGTYPE\b|\bNOSCRIPT\b|\bERR\s/,
  /\bE(?:PERM|ACCES|NOENT|ROFS|NOSPC|CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|ADDRINUSE|MFILE|IO)\b/,
  /\b\d{1,3}(?:\.\d{1,3}){3}:\d{2,5}\b|\[[0-9a-f:]+\]:\d{2,5}/i,
  // JavaScript runtime errors: a bug, never something the caller did
  /\b(?:TypeError|ReferenceError|RangeError|InternalError)\b|Cannot read propert/,
];

/** Longest text passed through (cut beyond it): a message is written for a person. */
const MAX_PUBLIC_LENGTH = 1000;

export function revealsInternals(text: string): boolean {
  return INTERNAL_MARKERS.some((marker) => marker.test(text));
}

/** `text` (cut to a readable length) if a caller may read it, else `fallback`. */
export function publicText(text: string, fallback: string): string {
  if (revealsInternals(text)) return fallback;
  return text.length > MAX_PUBLIC_LENGTH ? `${text.slice(0, MAX_PUBLIC_LENGTH - 1)}…` : text;
}

const HIDDEN = 'hidden (see the service log)';

/**
 * A copy of `value` (error details, a health report) whose strings a caller may read: each
 * string that reveals internals is replaced, and nesting is cut off at a few levels.
 */
export function publicDetails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return publicText(value, HIDDEN);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return HIDDEN;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => publicDetails(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      publicDetails(v, depth + 1),
    ]),
  );
}
