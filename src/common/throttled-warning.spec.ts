import { throttledWarning } from './throttled-warning';

describe('throttledWarning', () => {
  it('logs the first warning, drops repeats within the interval, then reports how many it dropped', () => {
    const logged: string[] = [];
    let clock = 0;
    const warn = throttledWarning(
      (m) => logged.push(m),
      1000,
      () => clock,
    );
    warn('redis down');
    clock = 400;
    warn('redis down');
    clock = 900;
    warn('redis down');
    expect(logged).toEqual(['redis down']);
    clock = 1000;
    warn('redis down');
    expect(logged).toEqual(['redis down', 'redis down (and 2 similar since the last report)']);
    clock = 2500;
    warn('redis back');
    expect(logged[2]).toBe('redis back');
  });
});
