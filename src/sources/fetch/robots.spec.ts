import { RobotsRules } from './robots';

describe('RobotsRules', () => {
  const text = `# docs site
User-agent: *
Disallow: /private/
Disallow: /*.json$
Allow: /private/public-page.html

User-agent: otherbot
Disallow: /

User-agent: ragline
User-agent: somebot
Disallow: /drafts/
`;

  it('uses the group naming the agent, else *', () => {
    const mine = RobotsRules.parse(text, 'ragline/0.1');
    expect(mine.allows('/drafts/a.html')).toBe(false);
    expect(mine.allows('/private/x.html')).toBe(true);
    const generic = RobotsRules.parse(text, 'curious/2.0');
    expect(generic.allows('/private/x.html')).toBe(false);
    expect(generic.allows('/docs/x.html')).toBe(true);
  });

  it('lets the longest rule win, allow on a tie, with * and $ patterns', () => {
    const rules = RobotsRules.parse(text, 'curious/2.0');
    expect(rules.allows('/private/public-page.html')).toBe(true);
    expect(rules.allows('/api/spec.json')).toBe(false);
    expect(rules.allows('/api/spec.json?v=2')).toBe(true);
  });

  it('an empty file or empty Disallow allows everything', () => {
    expect(RobotsRules.parse('', 'x').allows('/a')).toBe(true);
    expect(RobotsRules.parse('User-agent: *\nDisallow:\n', 'x').allows('/a')).toBe(true);
    expect(RobotsRules.disallowAll().allows('/a')).toBe(false);
  });
});
