import {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitOpenError,
  CircuitStateChange,
  isCircuitOpenError,
  parseCircuitOpenReason,
} from './circuit-breaker';

class Clock {
  t = 1_000_000;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

const outage = (): Promise<never> => Promise.reject(new Error('EIO: disk gone'));
const ok = (): Promise<string> => Promise.resolve('ok');

function breaker(clock: Clock, options: Partial<CircuitBreakerOptions> = {}) {
  const changes: CircuitStateChange[] = [];
  let rejected = 0;
  const b = new CircuitBreaker({
    name: 'store-write',
    failureThreshold: 3,
    failureRate: 0,
    windowMs: 10_000,
    minimumCalls: 10,
    cooldownMs: 5000,
    trialCalls: 1,
    now: clock.now,
    onStateChange: (c) => changes.push(c),
    onRejected: () => rejected++,
    ...options,
  });
  return { b, changes, rejected: () => rejected };
}

async function failTimes(b: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(b.execute(outage)).rejects.toThrow('EIO');
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then fails fast without calling', async () => {
    const clock = new Clock();
    const { b, changes, rejected } = breaker(clock);
    await failTimes(b, 2);
    expect(b.state).toBe('closed');
    await failTimes(b, 1);
    expect(b.state).toBe('open');
    expect(changes).toEqual([
      expect.objectContaining({
        from: 'closed',
        to: 'open',
        reason: expect.stringMatching(/3 consecutive failures: EIO/),
      }),
    ]);
    const call = jest.fn(ok);
    const error = await b.execute(call).catch((e: unknown) => e);
    expect(call).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAfterMs).toBe(5000);
    expect((error as CircuitOpenError).message).toMatch(
      /^circuit open: store-write is unavailable, retry in 5 s \(last failure: EIO: disk gone\)/,
    );
    expect(rejected()).toBe(1);
  });

  it('a success in between resets the count of consecutive failures', async () => {
    const { b } = breaker(new Clock());
    await failTimes(b, 2);
    await b.execute(ok);
    await failTimes(b, 2);
    expect(b.state).toBe('closed');
  });

  it('errors that are not outages count as successes', async () => {
    const { b } = breaker(new Clock(), { isFailure: (e) => !/bad filter/.test(String(e)) });
    for (let i = 0; i < 5; i++) {
      await expect(b.execute(() => Promise.reject(new Error('bad filter')))).rejects.toThrow();
    }
    await failTimes(b, 2);
    await expect(b.execute(() => Promise.reject(new Error('bad filter')))).rejects.toThrow();
    await failTimes(b, 2);
    expect(b.state).toBe('closed');
  });

  it('goes half-open after the cool-off, lets one trial through, and closes when it succeeds', async () => {
    const clock = new Clock();
    const { b, changes } = breaker(clock);
    await failTimes(b, 3);
    clock.advance(4999);
    expect(b.state).toBe('open');
    expect(b.retryAfterMs).toBe(1);
    clock.advance(1);
    expect(b.state).toBe('half-open');
    let release: (v: string) => void = () => undefined;
    const trial = b.execute(() => new Promise<string>((r) => (release = r)));
    // a second call while the trial is in flight is refused
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release('fine');
    await expect(trial).resolves.toBe('fine');
    expect(b.state).toBe('closed');
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed']);
    await expect(b.execute(ok)).resolves.toBe('ok');
  });

  it('a failed trial opens it again for a fresh cool-off', async () => {
    const clock = new Clock();
    const { b, changes } = breaker(clock);
    await failTimes(b, 3);
    clock.advance(5000);
    await failTimes(b, 1);
    expect(b.state).toBe('open');
    expect(b.retryAfterMs).toBe(5000);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'open']);
    expect(changes[2].reason).toMatch(/trial call failed/);
  });

  it('allows several trial calls at once when configured', async () => {
    const clock = new Clock();
    const { b } = breaker(clock, { trialCalls: 2 });
    await failTimes(b, 3);
    clock.advance(5000);
    const gates: Array<() => void> = [];
    const slow = () => new Promise<string>((r) => gates.push(() => r('t')));
    const t1 = b.execute(slow);
    const t2 = b.execute(slow);
    await expect(b.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    gates.forEach((g) => g());
    await Promise.all([t1, t2]);
    expect(b.state).toBe('closed');
  });

  it('opens on a failure rate over the window even without N failures in a row', async () => {
    const clock = new Clock();
    const { b, changes } = breaker(clock, { failureThreshold: 100, failureRate: 0.5 });
    for (let i = 0; i < 9; i++) {
      if (i % 2 === 0) await failTimes(b, 1);
      else await b.execute(ok);
      clock.advance(100);
    }
    // 5 of 9 failed, but fewer than the 10 calls the rate rule needs
    expect(b.state).toBe('closed');
    await b.execute(ok);
    await failTimes(b, 1);
    expect(b.state).toBe('open');
    expect(changes[0].reason).toMatch(/6 of 11 calls failed/);
  });

  it('forgets failures older than the window', async () => {
    const clock = new Clock();
    const { b } = breaker(clock, { failureThreshold: 100, failureRate: 0.5 });
    for (let i = 0; i < 8; i++) await failTimes(b, 1);
    clock.advance(20_000);
    for (let i = 0; i < 2; i++) await b.execute(ok);
    // with the old failures this would be 9 of 11; without them, 1 of 3 (too few calls)
    await failTimes(b, 1);
    expect(b.state).toBe('closed');
  });

  it('assertNotOpen refuses only while open', async () => {
    const clock = new Clock();
    const { b } = breaker(clock);
    expect(() => b.assertNotOpen()).not.toThrow();
    await failTimes(b, 3);
    expect(() => b.assertNotOpen()).toThrow(CircuitOpenError);
    clock.advance(5000);
    expect(() => b.assertNotOpen()).not.toThrow();
  });
});

describe('CircuitOpenError', () => {
  it('is recognised by name and read back from its message (as a job failed reason)', () => {
    const error = new CircuitOpenError('store-read', 2500, 'LanceError(IO): gone');
    const plain = Object.assign(new Error(error.message), { name: 'CircuitOpenError' });
    expect(isCircuitOpenError(error)).toBe(true);
    expect(isCircuitOpenError(plain)).toBe(true);
    expect(isCircuitOpenError(new Error('circuit'))).toBe(false);
    expect(parseCircuitOpenReason(error.message)).toEqual({
      dependency: 'store-read',
      retryAfterSeconds: 3,
    });
    expect(parseCircuitOpenReason('search failed: not found')).toBeNull();
    expect(new CircuitOpenError('x', 0).retryAfterSeconds).toBe(1);
  });
});
