import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { outboxMessages } from "@/db/schema";
import { freezeClock } from "@/lib/clock";
import { sendEmail } from "@/lib/email";
import { latestOutboxMessage } from "@/lib/email/outbox";
import { createTransport } from "@/lib/email/transport";
import { resetDatabase } from "../support/db";
import { startFakeResend, stopFakeResend, type FakeResend } from "../support/fake-resend";

const KEY = "re_test_0123456789abcdef";
const message = {
  to: "maria@example.com",
  subject: "Your Tessera sign-in code",
  text: "Enter this code: 493027",
  html: "<p>Enter this code: <strong>493027</strong></p>",
};

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(() => stopFakeResend(fake));

beforeEach(async () => {
  fake.received.length = 0;
  await resetDatabase();
});
afterEach(() => vi.unstubAllEnvs());

describe("the Resend transport", () => {
  it("sends through the Resend SDK with the sender, the key and the whole message", async () => {
    const transport = createTransport({
      NODE_ENV: "production",
      RESEND_API_KEY: KEY,
      EMAIL_FROM: "Tessera <security@example.com>",
      RESEND_BASE_URL: `${fake.url}/`,
    });
    expect(transport.kind).toBe("resend");
    await transport.send(message);

    expect(fake.received).toHaveLength(1);
    const [request] = fake.received;
    expect(request).toMatchObject({ method: "POST", path: "/emails", authorization: `Bearer ${KEY}` });
    expect(request.body).toMatchObject({
      from: "Tessera <security@example.com>",
      to: ["maria@example.com"],
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    expect(await (await getDb()).select().from(outboxMessages)).toHaveLength(0);
  });

  it("is what sendEmail uses when RESEND_API_KEY is set, with a default sender outside production", async () => {
    vi.stubEnv("RESEND_API_KEY", KEY);
    vi.stubEnv("RESEND_BASE_URL", fake.url);
    vi.stubEnv("EMAIL_FROM", undefined);
    vi.stubEnv("APP_NAME", undefined);
    await sendEmail(message);
    expect(fake.received).toHaveLength(1);
    expect(fake.received[0].body.from).toBe("Tessera <no-reply@localhost>");
    expect(await latestOutboxMessage(await getDb(), message.to)).toBeNull();
  });

  it("throws when Resend refuses, without the key or Resend's own words in the error", async () => {
    const transport = createTransport({ NODE_ENV: "test", RESEND_API_KEY: KEY, RESEND_BASE_URL: fake.url });
    fake.failNext({ statusCode: 422, name: "validation_error", message: "Invalid `to` field: maria@example.com 493027" });
    const error = await transport.send(message).then(
      () => null,
      (thrown: unknown) => thrown as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe("Resend did not accept the email (validation_error, status 422).");
    expect(error?.message).not.toContain(KEY);
    expect(error?.message).not.toContain("493027");
    expect(error?.message).not.toContain("maria@example.com");
  });

  it("throws when Resend cannot be reached", async () => {
    const gone = await startFakeResend();
    await stopFakeResend(gone);
    const transport = createTransport({ NODE_ENV: "test", RESEND_API_KEY: KEY, RESEND_BASE_URL: gone.url });
    await expect(transport.send(message)).rejects.toThrow(/^Resend did not accept the email \(application_error, no status\)\.$/);
  });

  it("refuses production without EMAIL_FROM", () => {
    expect(() => createTransport({ NODE_ENV: "production", RESEND_API_KEY: KEY })).toThrow(/EMAIL_FROM is not set/);
  });

  it("refuses a key that cannot go in a header, without quoting it", () => {
    const refusal = () => createTransport({ NODE_ENV: "test", RESEND_API_KEY: `${KEY}\nsecret-tail` });
    expect(refusal).toThrow(/^RESEND_API_KEY contains characters that cannot be sent in an HTTP header\.$/);
  });
});

describe("the outbox transport", () => {
  it("stores the message at the app clock's time, readable as the latest for that address", async () => {
    const at = new Date("2030-01-02T03:04:05.000Z");
    freezeClock(at);
    const transport = createTransport({ NODE_ENV: "development" });
    expect(transport.kind).toBe("outbox");
    await transport.send(message);
    expect(await latestOutboxMessage(await getDb(), message.to)).toMatchObject({ ...message, createdAt: at });
    expect(fake.received).toHaveLength(0);
  });

  it("is what sendEmail uses without a Resend key outside production", async () => {
    vi.stubEnv("RESEND_API_KEY", undefined);
    await sendEmail(message);
    expect(await latestOutboxMessage(await getDb(), message.to)).toMatchObject({ subject: message.subject });
  });

  it("serves production only with EMAIL_OUTBOX=1", () => {
    expect(createTransport({ NODE_ENV: "production", EMAIL_OUTBOX: "1" }).kind).toBe("outbox");
    expect(() => createTransport({ NODE_ENV: "production", EMAIL_OUTBOX: "true" })).toThrow(/Email is not configured/);
  });
});

describe("production without a Resend key or EMAIL_OUTBOX", () => {
  it("refuses to send and stores nothing", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("RESEND_API_KEY", undefined);
    vi.stubEnv("EMAIL_OUTBOX", undefined);
    await expect(sendEmail(message)).rejects.toThrow(/Email is not configured: set RESEND_API_KEY and EMAIL_FROM/);
    expect(await (await getDb()).select().from(outboxMessages)).toHaveLength(0);
    expect(fake.received).toHaveLength(0);
  });
});
