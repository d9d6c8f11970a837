// Recognises what must never reach a browser: stack traces, SQL text and database driver errors.

const LEAKS: [string, RegExp][] = [
  // A frame on a line of its own, or escaped inside the page's RSC payload.
  ["stack trace", /(\n|\\n)\s+at [^\n]+:\d+:\d+/],
  ["stack trace", /node_modules[\\/]|\.next[\\/]server[\\/]/],
  ["server path", new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))],
  // Drizzle quotes identifiers and prefixes its errors with "Failed query".
  ["SQL text", /Failed query|\b(select|update|insert into|delete from)\s+"?\w+"?[\s\S]{0,200}\b(from|set|values|where)\s+"\w+"/i],
  [
    "database error",
    /PostgresError|ECONNREFUSED|ECONNRESET|CONNECTION_(CLOSED|ENDED|DESTROYED)|terminating connection|the database system is|accepting connections|Connection terminated|Client has encountered|pg_advisory/i,
  ],
];

/** What kind of leak `body` shows, or null when it shows none. */
export function leakIn(body: string): string | null {
  for (const [kind, pattern] of LEAKS) if (pattern.test(body)) return kind;
  return null;
}
