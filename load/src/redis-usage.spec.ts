import { parseRedisCounters } from './redis-usage';

describe('parseRedisCounters', () => {
  it('reads CPU (user + system) and the command count from INFO', () => {
    const info = [
      '# CPU',
      'used_cpu_sys:1.250000',
      'used_cpu_user:2.500000',
      'used_cpu_sys_children:9.000000',
      'used_cpu_user_main_thread:7.000000',
      '# Stats',
      'total_commands_processed:4321',
    ].join('\r\n');
    expect(parseRedisCounters(info)).toEqual({ cpuSeconds: 3.75, commands: 4321 });
  });

  it('gives nothing when a counter is missing', () => {
    expect(parseRedisCounters('# CPU\r\nused_cpu_sys:1.0\r\n')).toBeUndefined();
  });
});
