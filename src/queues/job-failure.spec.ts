import { UnrecoverableError } from 'bullmq';
import {
  decodeJobFailure,
  encodeJobFailure,
  type JobFailure,
  jobFailureError,
  jobFailureText,
} from './job-failure';

describe('job failures across the queue', () => {
  const failures: JobFailure[] = [
    { code: 'expired', message: 'expired: waited 9000 ms' },
    {
      code: 'circuit_open',
      message: 'circuit open: store-read is unavailable, retry in 5 s',
      dependency: 'store-read',
      retryAfterSeconds: 5,
    },
    { code: 'collection_gone', message: "collection 'x' does not exist", collection: 'docs' },
    { code: 'internal', message: 'lance error: {"json": "inside"} ] [ \n two lines' },
  ];

  it('decodes what it encoded, whatever the message holds', () => {
    for (const failure of failures) {
      expect(decodeJobFailure(encodeJobFailure(failure))).toEqual(failure);
      expect(decodeJobFailure(jobFailureError(failure).message)).toEqual(failure);
      expect(jobFailureText(encodeJobFailure(failure))).toBe(failure.message);
    }
  });

  it('fails the job for good unless asked to retry', () => {
    expect(jobFailureError(failures[0])).toBeInstanceOf(UnrecoverableError);
    expect(jobFailureError(failures[0], { retry: true })).not.toBeInstanceOf(UnrecoverableError);
  });

  it('reads any other reason as no encoded failure, and shows it as it is', () => {
    const mark = encodeJobFailure(failures[0]).split('{')[0];
    for (const reason of [
      undefined,
      '',
      'job stalled more than allowable limit',
      '{"code":"expired","message":"looks encoded but is not marked"}',
      `${mark}not json`,
      `${mark}{"code":"circuit_open","message":"m"}`,
      `${mark}{"code":"unheard-of","message":"m"}`,
    ]) {
      expect(decodeJobFailure(reason)).toBeNull();
    }
    expect(jobFailureText('job stalled more than allowable limit')).toBe(
      'job stalled more than allowable limit',
    );
  });
});
