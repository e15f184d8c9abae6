import { onExit, runExitTasks } from './cleanup';

describe('exit tasks', () => {
  afterAll(() => {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
  });

  it('run once each, newest first, even when two callers ask at the same time', async () => {
    const ran: string[] = [];
    onExit('service', async () => {
      await new Promise((r) => setTimeout(r, 20));
      ran.push('service');
    });
    onExit('artillery', async () => {
      ran.push('artillery');
    });
    const forgotten = onExit('forgotten', async () => {
      ran.push('forgotten');
    });
    forgotten();

    const first = runExitTasks();
    // the second caller (e.g. the error of an interrupted run) must wait for the cleanup
    const seenBySecond = await runExitTasks().then(() => [...ran]);
    await first;

    expect(ran).toEqual(['artillery', 'service']);
    expect(seenBySecond).toEqual(['artillery', 'service']);
  });

  it('go on after a task fails', async () => {
    const ran: string[] = [];
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    onExit('cleaned', async () => {
      ran.push('cleaned');
    });
    onExit('broken', async () => {
      throw new Error('redis is gone');
    });

    await runExitTasks();

    expect(ran).toEqual(['cleaned']);
    expect(console.error).toHaveBeenCalledWith('cleanup (broken) failed: redis is gone');
  });
});
