import { fetchAllowProblem } from './fetch-allow';

describe('fetchAllowProblem', () => {
  it('accepts host names, subdomain patterns, addresses and CIDRs', () => {
    expect(
      fetchAllowProblem('127.0.0.1/32, docs.internal, *.corp.example, ::1, fd00::/8'),
    ).toBeNull();
    expect(fetchAllowProblem('')).toBeNull();
  });

  it('names the entry that is none of them', () => {
    expect(fetchAllowProblem('10.0.0.0/33')).toMatch(/'10\.0\.0\.0\/33' is not a valid CIDR/);
    expect(fetchAllowProblem('10.0.0.0/8/1')).toMatch(/not a valid CIDR/);
    expect(fetchAllowProblem('http://x')).toMatch(/'http:\/\/x' is neither/);
  });
});
