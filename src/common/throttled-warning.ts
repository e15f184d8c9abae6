/**
 * A warning that repeats while an outage lasts (every reconnect attempt of every connection
 * reports one) is logged at most once per interval, with a count of those left out.
 */
export function throttledWarning(
  warn: (message: string) => void,
  everyMs = 10_000,
  now: () => number = Date.now,
): (message: string) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (message) => {
    const t = now();
    if (t - last < everyMs) {
      suppressed++;
      return;
    }
    warn(suppressed ? `${message} (and ${suppressed} similar since the last report)` : message);
    last = t;
    suppressed = 0;
  };
}
