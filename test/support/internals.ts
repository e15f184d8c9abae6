import { tmpdir } from 'node:os';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What a caller must never read in an answer: where the service lives on disk (the checkout,
 * the temp folder, system folders), Rust sources, Redis client wording, stack frames. An
 * independent list from the service's own sanitiser, so a test does not grade it by itself.
 */
function markers(extraPaths: string[]): Array<[string, RegExp]> {
  return [
    ...[process.cwd(), tmpdir(), ...extraPaths].map((path): [string, RegExp] => [
      `path ${path}`,
      new RegExp(escape(path)),
    ]),
    ['a system path', /(?:^|[^\w/.])\/(?:root|home|usr|var|tmp|proc|opt|srv|etc)\//],
    ['a Windows path', /\b[A-Za-z]:\\/],
    ['node_modules', /node_modules/],
    ['a Rust source', /\.rs\b/],
    ['ioredis', /ioredis|maxRetriesPerRequest/i],
    ['a stack frame', /\n\s+at |\bat [\w$.<>]+ \(.*:\d+:\d+\)/],
    ['a socket address', /\b127\.0\.0\.1:\d+/],
  ];
}

/** The internals `answer` reveals that `request` did not already contain (an echo is fine). */
export function internalsIn(answer: string, request = '', extraPaths: string[] = []): string[] {
  return markers(extraPaths)
    .filter(([, pattern]) => pattern.test(answer) && !pattern.test(request))
    .map(([name]) => name);
}
