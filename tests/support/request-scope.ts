// One server request as React's server renderer scopes it, for tests that call layouts and pages
// directly: within `inRequest`, a function wrapped in `cache` runs once per arguments and its answer
// is shared; outside (a server action, which React does not cache either) it runs every time.
type Memo = Map<string, unknown>;

let scope: Map<unknown, Memo> | null = null;

export async function inRequest<T>(render: () => Promise<T>): Promise<T> {
  const outer = scope;
  scope = new Map();
  try {
    return await render();
  } finally {
    scope = outer;
  }
}

/** React's cache() for the server, as far as its rule goes: arguments compared by value (primitives only here). */
export function cache<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    if (!scope) return fn(...args);
    let memo = scope.get(fn);
    if (!memo) scope.set(fn, (memo = new Map()));
    const key = JSON.stringify(args);
    if (!memo.has(key)) memo.set(key, fn(...args));
    return memo.get(key) as R;
  };
}
