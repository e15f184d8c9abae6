import { loadConfig } from '../config/config';
import {
  adminSettingsFromEnv,
  bullBoardPollSeconds,
  DEFAULT_ADMIN_SETTINGS,
  resolveAdminSettings,
} from './admin-settings';

describe('admin settings', () => {
  it('defaults to a writable board polling every 5 s', () => {
    expect(adminSettingsFromEnv({})).toEqual({ readOnly: false, pollMs: 5000 });
    expect(
      adminSettingsFromEnv({ RAGLINE_ADMIN_READ_ONLY: ' ', RAGLINE_ADMIN_POLL_MS: '' }),
    ).toEqual(DEFAULT_ADMIN_SETTINGS);
  });

  it('reads read-only mode and the polling interval from the environment', () => {
    expect(
      adminSettingsFromEnv({ RAGLINE_ADMIN_READ_ONLY: 'true', RAGLINE_ADMIN_POLL_MS: '30000' }),
    ).toEqual({ readOnly: true, pollMs: 30000 });
    expect(adminSettingsFromEnv({ RAGLINE_ADMIN_READ_ONLY: 'no' }).readOnly).toBe(false);
  });

  it('names the variable and the allowed values when a setting is wrong', () => {
    expect(() => adminSettingsFromEnv({ RAGLINE_ADMIN_READ_ONLY: 'maybe' })).toThrow(
      /RAGLINE_ADMIN_READ_ONLY: expected true or false \(got "maybe"\)/,
    );
    expect(() => adminSettingsFromEnv({ RAGLINE_ADMIN_POLL_MS: '50' })).toThrow(
      /RAGLINE_ADMIN_POLL_MS: expected an integer between 1000 and 900000 ms/,
    );
  });

  it('prefers an admin section of the validated config over the environment', () => {
    const config = loadConfig({});
    expect(resolveAdminSettings(config, { RAGLINE_ADMIN_READ_ONLY: 'true' }).readOnly).toBe(true);
    const withSection = { ...config, admin: { readOnly: false, pollMs: 2000 } };
    expect(
      resolveAdminSettings(withSection, {
        RAGLINE_ADMIN_READ_ONLY: 'true',
        RAGLINE_ADMIN_POLL_MS: '9000',
      }),
    ).toEqual({ readOnly: false, pollMs: 2000 });
  });

  it("converts the interval to Bull Board's whole seconds, never below one", () => {
    expect(bullBoardPollSeconds(5000)).toBe(5);
    expect(bullBoardPollSeconds(2600)).toBe(3);
    expect(bullBoardPollSeconds(1000)).toBe(1);
    expect(bullBoardPollSeconds(200)).toBe(1);
  });
});
