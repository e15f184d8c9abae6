import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `npm ci` runs swagger-ui-dist's scarf postinstall, which reports the install over the
 * network unless told not to. The project turns it off itself (package.json scarfSettings),
 * so no one has to remember SCARF_ANALYTICS=false; npm's own extra requests are off in .npmrc.
 */
const ROOT = resolve(__dirname, '..', '..');
const REPORT = join(ROOT, 'node_modules', '@scarf', 'scarf', 'report.js');

describe('installs without telemetry', () => {
  it("turns off npm's audit, funding and update-notifier requests in .npmrc", () => {
    const npmrc = readFileSync(join(ROOT, '.npmrc'), 'utf8');
    for (const setting of ['audit=false', 'fund=false', 'update-notifier=false']) {
      expect(npmrc.split('\n')).toContain(setting);
    }
  });

  (existsSync(REPORT) ? it : it.skip)(
    "makes scarf's postinstall stop before any network access, with no opt-out variable set",
    () => {
      // Any connection or name lookup the script attempts is recorded and refused.
      const dir = mkdtempSync(join(tmpdir(), 'ragline-scarf-'));
      const attempts = join(dir, 'attempts.log');
      const guard = join(dir, 'no-network.js');
      writeFileSync(
        guard,
        `
        const fs = require('node:fs');
        const net = require('node:net');
        const dns = require('node:dns');
        const record = (what) => { fs.appendFileSync(${JSON.stringify(attempts)}, what + '\\n'); throw new Error('network refused: ' + what); };
        net.Socket.prototype.connect = function () { record('connect ' + JSON.stringify(arguments[0])); };
        dns.lookup = (host) => record('lookup ' + host);
        `,
      );
      try {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, INIT_CWD: ROOT };
        env.SCARF_VERBOSE = 'true';
        const result = spawnSync(process.execPath, ['--require', guard, REPORT], {
          cwd: join(ROOT, 'node_modules', '@scarf', 'scarf'),
          env,
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(result.status).toBe(0);
        expect(result.stderr).toContain('User has opted out');
        expect(existsSync(attempts) ? readFileSync(attempts, 'utf8') : '').toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
