interface Rule {
  allow: boolean;
  pattern: RegExp;
  length: number;
}

function patternOf(path: string): RegExp {
  const anchored = path.endsWith('$');
  const body = (anchored ? path.slice(0, -1) : path)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}

/**
 * robots.txt rules for one user agent (RFC 9309): the group naming the agent's product token,
 * else the `*` group; the longest matching rule wins, `allow` on a tie.
 */
export class RobotsRules {
  constructor(private readonly rules: Rule[]) {}

  static allowAll(): RobotsRules {
    return new RobotsRules([]);
  }

  static disallowAll(): RobotsRules {
    return new RobotsRules([{ allow: false, pattern: /^\//, length: 1 }]);
  }

  static parse(text: string, userAgent: string): RobotsRules {
    const token = userAgent.split('/')[0].trim().toLowerCase();
    const groups: Array<{ agents: string[]; rules: Rule[] }> = [];
    let current: { agents: string[]; rules: Rule[] } | undefined;
    let lastWasAgent = false;
    for (const rawLine of text.split(/\r?\n/)) {
      const line = rawLine.replace(/#.*$/, '').trim();
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'user-agent') {
        if (!current || !lastWasAgent) {
          current = { agents: [], rules: [] };
          groups.push(current);
        }
        current.agents.push(value.toLowerCase());
        lastWasAgent = true;
        continue;
      }
      lastWasAgent = false;
      if (!current || (key !== 'allow' && key !== 'disallow')) continue;
      if (!value) continue; // an empty Disallow allows everything
      current.rules.push({
        allow: key === 'allow',
        pattern: patternOf(value),
        length: value.length,
      });
    }
    const mine = groups.filter((g) => g.agents.some((a) => a !== '*' && token.includes(a)));
    const chosen = mine.length ? mine : groups.filter((g) => g.agents.includes('*'));
    return new RobotsRules(chosen.flatMap((g) => g.rules));
  }

  allows(pathAndQuery: string): boolean {
    let best: Rule | undefined;
    for (const rule of this.rules) {
      if (!rule.pattern.test(pathAndQuery)) continue;
      if (
        !best ||
        rule.length > best.length ||
        (rule.length === best.length && rule.allow && !best.allow)
      )
        best = rule;
    }
    return best ? best.allow : true;
  }
}
