import { configSchema } from './config.schema';
import { readConfigFile } from './config';

type Env = Record<string, string | undefined>;

/**
 * RAGLINE_* variables that are not service settings but are read by something else: the
 * settings file's own name, the CLI and client, docker-compose.yml, the load and bench tools.
 */
const NOT_SETTINGS = new Set([
  'RAGLINE_CONFIG',
  'RAGLINE_URL',
  'RAGLINE_API_KEY',
  'RAGLINE_HTTP_BIND',
  'RAGLINE_HTTP_PORT',
]);
const NOT_SETTINGS_PREFIXES = ['RAGLINE_LOAD_', 'RAGLINE_BENCH_'];

export const KNOWN_SETTINGS: readonly string[] = Object.keys(configSchema.shape);

/** Levenshtein distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known setting closest to `name`, if it is close enough to be a likely misspelling. */
export function closestSetting(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN_SETTINGS) {
    const distance = editDistance(name, known);
    if (!best || distance < best.distance) best = { name: known, distance };
  }
  const tolerance = Math.max(2, Math.floor(name.length / 5));
  return best && best.distance <= tolerance ? best.name : undefined;
}

function describe(name: string, where: string): string {
  const suggestion = closestSetting(name);
  return suggestion
    ? `${name} (${where}) is not a ragline setting and is ignored: did you mean ${suggestion}?`
    : `${name} (${where}) is not a ragline setting and is ignored (see the README's configuration table)`;
}

/**
 * Warnings for settings ragline would silently ignore: RAGLINE_* environment variables it
 * does not know, and unknown keys of the RAGLINE_CONFIG file, each with the closest known name.
 */
export function unknownSettingWarnings(env: Env = process.env): string[] {
  const known = new Set(KNOWN_SETTINGS);
  const warnings = Object.keys(env)
    .filter((k) => k.startsWith('RAGLINE_') && !known.has(k) && !NOT_SETTINGS.has(k))
    .filter((k) => !NOT_SETTINGS_PREFIXES.some((p) => k.startsWith(p)))
    .sort()
    .map((k) => describe(k, 'environment'));
  if (env.RAGLINE_CONFIG) {
    const fileKeys = Object.keys(readConfigFile(env.RAGLINE_CONFIG));
    for (const k of fileKeys.filter((key) => !known.has(key)).sort()) {
      warnings.push(describe(k, env.RAGLINE_CONFIG));
    }
  }
  return warnings;
}
