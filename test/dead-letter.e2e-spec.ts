import {
  http,
  RunningApp,
  startApp,
  tempDataDir,
  uniquePrefix,
  waitForJobs,
} from './support/app-harness';

interface JobView {
  id: string;
  state: string;
  failedReason?: string;
  attempts: number;
}

describe('failed jobs stay visible and can be retried or discarded', () => {
  const shared = {
    RAGLINE_QUEUE_PREFIX: uniquePrefix('dlq'),
    RAGLINE_DATA_DIR: tempDataDir('dlq'),
  };
  let api: RunningApp;
  let worker: RunningApp | undefined;

  beforeAll(async () => {
    api = await startApp({ ...shared, RAGLINE_ROLE: 'api' });
  });

  afterAll(async () => {
    await worker?.close({ keepData: true });
    await api?.close();
  });

  it('lists a job whose collection vanished, with its reason, and runs it again on retry', async () => {
    expect((await http(api.url, 'PUT', '/v1/collections/gone', {})).status).toBe(201);
    const accepted = await http<{ jobs: { id: string }[] }>(
      api.url,
      'POST',
      '/v1/collections/gone/documents',
      {
        documents: [
          { id: 'a.txt', text: 'A document whose collection is deleted before any worker runs.' },
        ],
      },
    );
    const jobId = accepted.body.jobs[0].id;
    expect((await http(api.url, 'DELETE', '/v1/collections/gone')).status).toBe(204);

    worker = await startApp({ ...shared, RAGLINE_ROLE: 'worker' });
    const [failed] = await waitForJobs(api.url, [jobId]);
    expect(failed.state).toBe('failed');
    expect(failed.failedReason).toMatch(/collection 'gone' does not exist/);
    // invalid work fails at once: no retries were spent on it
    expect((failed as unknown as JobView).attempts).toBe(1);

    const list = await http<{ jobs: JobView[]; total: number }>(
      api.url,
      'GET',
      '/v1/jobs?state=failed&queue=ingest',
    );
    expect(list.status).toBe(200);
    expect(list.body.jobs.map((j) => j.id)).toContain(jobId);

    expect((await http(api.url, 'PUT', '/v1/collections/gone', {})).status).toBe(201);
    const retried = await http<JobView>(api.url, 'POST', `/v1/jobs/${jobId}/retry`);
    expect(retried.status).toBe(202);
    const [done] = await waitForJobs(api.url, [jobId]);
    expect(done.state).toBe('completed');
    const doc = await http<{ chunks: number }>(
      api.url,
      'GET',
      '/v1/collections/gone/documents/a.txt',
    );
    expect(doc.body.chunks).toBe(1);

    const again = await http(api.url, 'POST', `/v1/jobs/${jobId}/retry`);
    expect(again.status).toBe(409);
    const many = await http<{ jobs: Array<{ id: string; state: string }> }>(
      api.url,
      'GET',
      `/v1/jobs?ids=${jobId},nope-1,meta`,
    );
    expect(many.body.jobs.map((j) => [j.id, j.state])).toEqual([
      [jobId, 'completed'],
      ['nope-1', 'unknown'],
      ['meta', 'unknown'],
    ]);
    expect((await http(api.url, 'GET', '/v1/jobs?ids=')).status).toBe(400);
    expect((await http(api.url, 'DELETE', `/v1/jobs/${jobId}`)).status).toBe(204);
    // a discarded job once existed: gone (410) with its outcome, never a bare 404
    const gone = await http<{ error: { code: string; details: { job: { state: string } } } }>(
      api.url,
      'GET',
      `/v1/jobs/${jobId}`,
    );
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('gone');
    expect(gone.body.error.details.job.state).toBe('completed');
  });

  it('retries every failed job of a queue at once', async () => {
    const res = await http<{ retried: number }>(api.url, 'POST', '/v1/jobs/retry?queue=ingest');
    expect(res.status).toBe(202);
    expect(res.body.retried).toBe(0);
  });
});
