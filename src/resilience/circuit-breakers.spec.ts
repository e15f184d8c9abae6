import { loadConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { CircuitBreakers } from './circuit-breakers';

const failing = (): Promise<never> => Promise.reject(new Error('ECONNREFUSED'));

describe('CircuitBreakers', () => {
  it('gives one breaker per dependency with the configured thresholds, exported in /metrics', async () => {
    const metrics = new MetricsService();
    const breakers = new CircuitBreakers(
      loadConfig({ RAGLINE_BREAKER_FAILURES: '2', RAGLINE_BREAKER_COOLDOWN_MS: '60000' }),
      metrics,
    );
    const store = breakers.for('store-write', () => true);
    expect(store).not.toBeNull();
    expect(breakers.for('store-write', () => false)).toBe(store);
    expect(breakers.get('store-write')).toBe(store);
    expect(await metrics.render()).toMatch(
      /^ragline_circuit_breaker_state\{dependency="store-write"\} 0$/m,
    );
    for (let i = 0; i < 2; i++) await expect(store?.execute(failing)).rejects.toThrow();
    await expect(store?.execute(failing)).rejects.toThrow(/circuit open/);
    const exposition = await metrics.render();
    expect(exposition).toMatch(/^ragline_circuit_breaker_state\{dependency="store-write"\} 2$/m);
    expect(exposition).toMatch(
      /^ragline_circuit_breaker_rejected_total\{dependency="store-write"\} 1$/m,
    );
    expect(breakers.all()).toEqual([store]);
  });

  it('gives none when turned off', () => {
    const breakers = new CircuitBreakers(
      loadConfig({ RAGLINE_BREAKER_FAILURES: '0' }),
      new MetricsService(),
    );
    expect(breakers.enabled).toBe(false);
    expect(breakers.for('store-read', () => true)).toBeNull();
  });
});
