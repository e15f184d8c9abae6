import { defaultBaseUrl, unreachableMessage } from './connection';

describe('defaultBaseUrl', () => {
  it('prefers RAGLINE_URL', () => {
    expect(defaultBaseUrl({ RAGLINE_URL: 'https://rag.example.com', HOST: 'x', PORT: '1' })).toBe(
      'https://rag.example.com',
    );
  });

  it('follows the HOST and PORT that npm start uses, defaulting to 127.0.0.1:3000', () => {
    expect(defaultBaseUrl({})).toBe('http://127.0.0.1:3000');
    expect(defaultBaseUrl({ HOST: '10.0.0.5', PORT: '8080' })).toBe('http://10.0.0.5:8080');
    expect(defaultBaseUrl({ HOST: '', PORT: '' })).toBe('http://127.0.0.1:3000');
  });

  it('reaches a server bound to every interface through loopback', () => {
    expect(defaultBaseUrl({ HOST: '0.0.0.0', PORT: '3001' })).toBe('http://127.0.0.1:3001');
    expect(defaultBaseUrl({ HOST: '::' })).toBe('http://[::1]:3000');
    expect(defaultBaseUrl({ HOST: 'fe80::1' })).toBe('http://[fe80::1]:3000');
  });
});

it('tells the user how to start ragline when it cannot be reached', () => {
  expect(unreachableMessage('http://127.0.0.1:3000')).toBe(
    'cannot reach ragline at http://127.0.0.1:3000: is it running? start it with npm start',
  );
});
