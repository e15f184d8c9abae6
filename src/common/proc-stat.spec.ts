import { statCpuTicks } from './proc-stat';

describe('statCpuTicks', () => {
  it('adds utime and stime (fields 14 and 15), whatever spaces or parentheses the name holds', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 1234 56 0 0 20 0 4 0 100 200 300';
    expect(statCpuTicks(`4242 (node) ${rest}`)).toBe(1290);
    expect(statCpuTicks(`4242 (a (b) c) ${rest}`)).toBe(1290);
  });
});
