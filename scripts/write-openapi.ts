/**
 * Writes the OpenAPI document of the HTTP API to docs/openapi.json, so API changes show in
 * review. Run with `npm run openapi` (needs Redis, like the app itself).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, openApiDocument } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ragline-openapi-'));
  const config = loadConfig({
    ...process.env,
    RAGLINE_ROLE: 'api',
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_LOG_LEVEL: 'error',
    RAGLINE_QUEUE_PREFIX: 'ragline-openapi',
  });
  const app = await createApp(config);
  await app.init();
  const document = openApiDocument(app);
  const target = join(process.cwd(), 'docs', 'openapi.json');
  writeFileSync(target, JSON.stringify(document, null, 2) + '\n');
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`wrote ${target} (${Object.keys(document.paths).length} paths)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
