import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closestSetting, editDistance, unknownSettingWarnings } from './unknown-settings';

describe('unknown settings', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests the closest known setting for a misspelling, nothing for a stranger', () => {
    expect(closestSetting('RAGLINE_SERCH_CONCURRENCY')).toBe('RAGLINE_SEARCH_CONCURRENCY');
    expect(closestSetting('RAGLINE_INGEST_CONCURENCY')).toBe('RAGLINE_INGEST_CONCURRENCY');
    expect(closestSetting('RAGLINE_LOGLEVEL')).toBe('RAGLINE_LOG_LEVEL');
    expect(closestSetting('RAGLINE_NOTHING_LIKE_ANY_SETTING')).toBeUndefined();
  });

  it('warns of unknown RAGLINE_* variables only, leaving known and foreign ones alone', () => {
    const warnings = unknownSettingWarnings({
      RAGLINE_SERCH_CONCURRENCY: '4',
      RAGLINE_SEARCH_CONCURRENCY: '8',
      RAGLINE_URL: 'http://127.0.0.1:3000',
      RAGLINE_API_KEY: 'for the CLI',
      RAGLINE_HTTP_BIND: '0.0.0.0',
      RAGLINE_LOAD_STREAM: '1',
      HOME: '/root',
      PORT: '3000',
    });
    expect(warnings).toEqual([
      'RAGLINE_SERCH_CONCURRENCY (environment) is not a ragline setting and is ignored: did you mean RAGLINE_SEARCH_CONCURRENCY?',
    ]);
  });

  it('warns of unknown keys in the RAGLINE_CONFIG file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragline-settings-'));
    const file = join(dir, 'ragline.json');
    writeFileSync(file, JSON.stringify({ PORT: 3000, RAGLINE_STOR: 'qdrant' }));
    try {
      expect(unknownSettingWarnings({ RAGLINE_CONFIG: file })).toEqual([
        `RAGLINE_STOR (${file}) is not a ragline setting and is ignored: did you mean RAGLINE_STORE?`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
