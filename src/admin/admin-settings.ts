import type { AppConfig } from '../config/config';

/** How the operator pages behave (Bull Board's read-only mode and polling). */
export interface AdminSettings {
  /** Bull Board shows jobs but refuses retry, remove, pause, clean and every other change. */
  readOnly: boolean;
  /** How often Bull Board polls Redis, in ms (shown as whole seconds: Bull Board's unit). */
  pollMs: number;
}

export const ADMIN_SETTINGS = Symbol('ADMIN_SETTINGS');

export const DEFAULT_ADMIN_SETTINGS: AdminSettings = Object.freeze({
  readOnly: false,
  pollMs: 5000,
});

const MIN_POLL_MS = 1000;
const MAX_POLL_MS = 15 * 60_000;

type Env = Record<string, string | undefined>;

function parseBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new Error(`${name}: expected true or false (got ${JSON.stringify(raw)})`);
}

function parsePollMs(name: string, raw: string): number {
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < MIN_POLL_MS || n > MAX_POLL_MS) {
    throw new Error(
      `${name}: expected an integer between ${MIN_POLL_MS} and ${MAX_POLL_MS} ms (got ${JSON.stringify(raw)})`,
    );
  }
  return n;
}

/** Reads RAGLINE_ADMIN_READ_ONLY and RAGLINE_ADMIN_POLL_MS; blank counts as unset; bad values throw. */
export function adminSettingsFromEnv(env: Env): AdminSettings {
  const readOnly = env.RAGLINE_ADMIN_READ_ONLY?.trim();
  const pollMs = env.RAGLINE_ADMIN_POLL_MS?.trim();
  return {
    readOnly: readOnly
      ? parseBool('RAGLINE_ADMIN_READ_ONLY', readOnly)
      : DEFAULT_ADMIN_SETTINGS.readOnly,
    pollMs: pollMs ? parsePollMs('RAGLINE_ADMIN_POLL_MS', pollMs) : DEFAULT_ADMIN_SETTINGS.pollMs,
  };
}

/**
 * The validated config's `admin` section once AppConfig has one; until then the environment.
 * (The config loader keeps only the keys its schema knows, so these are read here meanwhile.)
 */
export function resolveAdminSettings(config: AppConfig, env: Env = process.env): AdminSettings {
  const fromConfig = (config as AppConfig & { admin?: Partial<AdminSettings> }).admin;
  const fromEnv = adminSettingsFromEnv(env);
  return {
    readOnly: fromConfig?.readOnly ?? fromEnv.readOnly,
    pollMs: fromConfig?.pollMs ?? fromEnv.pollMs,
  };
}

/** Bull Board polls in whole seconds. */
export function bullBoardPollSeconds(pollMs: number): number {
  return Math.max(1, Math.round(pollMs / 1000));
}
