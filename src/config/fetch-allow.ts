import { isIP } from 'node:net';

/**
 * What is wrong with RAGLINE_FETCH_ALLOW (comma-separated host names, `*.example.com`
 * subdomain patterns, IP addresses and CIDRs), or null when every entry is one of these.
 */
export function fetchAllowProblem(value: string): string | null {
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [net, prefix, extra] = entry.split('/');
    const family = isIP(net.replace(/^\[|\]$/g, ''));
    if (!family && !/^(\*\.)?[a-z0-9.-]+$/i.test(entry)) {
      return `'${entry}' is neither a host name, an IP address nor a CIDR`;
    }
    if (prefix !== undefined || extra !== undefined) {
      const max = family === 4 ? 32 : 128;
      if (!family || extra !== undefined || !/^\d+$/.test(prefix) || Number(prefix) > max)
        return `'${entry}' is not a valid CIDR`;
    }
  }
  return null;
}
