import { CircuitOpenError } from '../resilience/circuit-breaker';
import { circuitWaitMs } from './circuit-wait';

describe('circuitWaitMs', () => {
  const open = new CircuitOpenError('store-write', 3000);

  it('waits until trial calls may pass, plus a spread that grows with earlier waits', () => {
    expect(circuitWaitMs(open, 0, 1000, () => 0)).toBe(3000);
    expect(circuitWaitMs(open, 0, 1000, () => 1)).toBe(4000);
    expect(circuitWaitMs(open, 1, 1000, () => 1)).toBe(5000);
    expect(circuitWaitMs(open, 2, 1000, () => 1)).toBe(7000);
    // the spread stops growing at 8 cool-offs
    expect(circuitWaitMs(open, 3, 1000, () => 1)).toBe(11_000);
    expect(circuitWaitMs(open, 30, 1000, () => 1)).toBe(11_000);
  });
});
