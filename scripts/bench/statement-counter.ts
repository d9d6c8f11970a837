// A PostgreSQL wire-protocol proxy that counts the statements a client sends: every simple query ('Q')
// and every execution of an extended-protocol portal ('E'), BEGIN and COMMIT included. The server
// under benchmark connects through it, so what is counted is exactly what its driver sends.
import { createConnection, createServer, type Server, type Socket } from "node:net";

// Untyped messages a client sends before its startup message: SSL and GSS encryption requests.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export type StatementCounter = { port: number; statements: () => number; close: () => Promise<void> };

/** Counts the statements in a client's byte stream, message by message, across chunk boundaries. */
class FrontendParser {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(private readonly onStatement: () => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (!this.started) {
        // Int32 length (itself included), then the protocol version or a request code.
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.started = true;
        this.buffer = this.buffer.subarray(length);
        continue;
      }
      // A type byte, then an Int32 length that counts itself but not the type.
      if (this.buffer.length < 5) return;
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const type = String.fromCharCode(this.buffer[0]);
      if (type === "Q" || type === "E") this.onStatement();
      this.buffer = this.buffer.subarray(1 + length);
    }
  }
}

/** Listens on 127.0.0.1 (a free port) and forwards every connection to `target`. */
export async function startStatementCounter(target: { host: string; port: number }): Promise<StatementCounter> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const parser = new FrontendParser(() => count++);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      parser.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.once("end", () => upstream.end());
    upstream.once("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the statement counter has no port");
  return {
    port: address.port,
    statements: () => count,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
