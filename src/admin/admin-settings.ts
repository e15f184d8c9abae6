import type { AppConfig } from '../config/config';

/** How the operator pages behave (Bull Board's read-only mode and polling), from config.admin. */
export type AdminSettings = AppConfig['admin'];

export const ADMIN_SETTINGS = Symbol('ADMIN_SETTINGS');

/** Bull Board counts its polling interval in whole seconds. */
export function bullBoardPollSeconds(pollMs: number): number {
  return Math.max(1, Math.round(pollMs / 1000));
}
