import { CrashIsolation } from './crash-isolation';

describe('CrashIsolation', () => {
  it('lets regular jobs run side by side', () => {
    const gate = new CrashIsolation();
    expect(gate.enterRegular()).toBe(true);
    expect(gate.enterRegular()).toBe(true);
  });

  it('runs a suspect only once the others are done, and nothing beside it', () => {
    const gate = new CrashIsolation();
    expect(gate.enterRegular()).toBe(true);
    expect(gate.enterSuspect()).toBe(false);
    // A waiting suspect holds back new regular jobs, so the running ones drain.
    expect(gate.enterRegular()).toBe(false);
    gate.leaveRegular();
    expect(gate.enterSuspect()).toBe(true);
    expect(gate.enterRegular()).toBe(false);
    expect(gate.enterSuspect()).toBe(false);
    gate.leaveSuspect();
    expect(gate.enterSuspect()).toBe(true);
    gate.leaveSuspect();
    expect(gate.enterRegular()).toBe(true);
  });
});
