import { tunedEf } from './effective-ef';

describe('tunedEf: a tuned collection under the monitor`s process-wide ef', () => {
  const tuned = { ef: 96, floorEf: 40 };

  it('uses exactly its tuned ef while the monitor holds ef at its baseline', () => {
    expect(tunedEf(tuned, 64, 64)).toBe(96);
  });

  it('sheds breadth in proportion when the monitor lowers ef, never below its own floor', () => {
    expect(tunedEf(tuned, 48, 64)).toBe(72);
    expect(tunedEf(tuned, 32, 64)).toBe(48);
    expect(tunedEf(tuned, 16, 64)).toBe(40);
    expect(tunedEf(tuned, 1, 64)).toBe(40);
  });

  it('never goes above its tuned ef, which already meets the target', () => {
    expect(tunedEf(tuned, 128, 64)).toBe(96);
  });

  it('a tuning without room below (floor = ef) stays put', () => {
    expect(tunedEf({ ef: 64, floorEf: 64 }, 32, 64)).toBe(64);
  });
});
