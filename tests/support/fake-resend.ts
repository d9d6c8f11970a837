// A local stand-in for Resend's HTTP API: answers POST /emails like Resend and records every request it gets.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedRequest = {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
};

/** A Resend error answer: the status and the body Resend sends with it. */
export type ResendFailure = { statusCode: number; name: string; message: string };

export type FakeResend = {
  /** The base URL to give the SDK (RESEND_BASE_URL). */
  url: string;
  received: ReceivedRequest[];
  /** The next request gets this error answer instead of an id. */
  failNext(failure: ResendFailure): void;
  server: Server;
};

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

export async function startFakeResend(): Promise<FakeResend> {
  let failure: ResendFailure | null = null;
  const received: ReceivedRequest[] = [];

  const server = createServer((request, response) => void answerRequest(request, response));
  async function answerRequest(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? "/", "http://fake.invalid").pathname;
    received.push({ method: request.method ?? "", path, authorization: request.headers.authorization, body: await readJson(request) });

    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (failure) {
      const { statusCode, name, message } = failure;
      failure = null;
      return answer(statusCode, { statusCode, name, message });
    }
    if (request.method === "POST" && path === "/emails") return answer(200, { id: randomUUID() });
    return answer(404, { statusCode: 404, name: "not_found", message: "The requested endpoint does not exist." });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext: (next) => {
      failure = next;
    },
    server,
  };
}

export async function stopFakeResend(fake: FakeResend): Promise<void> {
  await new Promise<void>((resolve, reject) => fake.server.close((error) => (error ? reject(error) : resolve())));
}
