import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { advanceClock } from "@/lib/clock";
import { latestOutboxMessage, listOutbox, OUTBOX_PAGE_SIZE, storeInOutbox } from "@/lib/email/outbox";
import { resetDatabase } from "../support/db";

function mail(to: string, subject: string) {
  return { to, subject, text: `Body of ${subject}`, html: `<p>${subject}</p>` };
}

beforeEach(() => resetDatabase());
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe("reading the outbox", () => {
  it("lists the newest first, up to the limit", async () => {
    const db = await getDb();
    for (const subject of ["first", "second", "third"]) {
      await storeInOutbox(db, mail("a@example.com", subject));
      advanceClock(1_000);
    }
    expect((await listOutbox(db, 2)).map((m) => m.subject)).toEqual(["third", "second"]);
  });

  it("orders messages stored in the same instant by arrival", async () => {
    const db = await getDb();
    await storeInOutbox(db, mail("a@example.com", "earlier"));
    await storeInOutbox(db, mail("a@example.com", "later"));
    expect((await listOutbox(db, 10)).map((m) => m.subject)).toEqual(["later", "earlier"]);
  });

  it("finds the latest message for one address only", async () => {
    const db = await getDb();
    await storeInOutbox(db, mail("a@example.com", "old for a"));
    advanceClock(1_000);
    await storeInOutbox(db, mail("a@example.com", "new for a"));
    advanceClock(1_000);
    await storeInOutbox(db, mail("b@example.com", "for b"));
    expect((await latestOutboxMessage(db, "a@example.com"))?.subject).toBe("new for a");
    expect(await latestOutboxMessage(db, "nobody@example.com")).toBeNull();
  });
});

describe("the /dev/outbox page", () => {
  async function renderPage(): Promise<string> {
    const { default: OutboxPage } = await import("@/app/dev/outbox/page");
    return renderToStaticMarkup(await OutboxPage());
  }

  it("shows To, Subject and the text body, newest first, and never the raw HTML", async () => {
    const db = await getDb();
    await storeInOutbox(db, mail("a@example.com", "older"));
    advanceClock(1_000);
    await storeInOutbox(db, {
      to: "b@example.com",
      subject: "newer",
      text: "Your code is 123456",
      html: '<img src=x onerror="alert(1)">',
    });
    const page = await renderPage();
    expect(page).toContain("<h1");
    expect(page).toContain(">Outbox</h1>");
    expect(page).toContain("b@example.com");
    expect(page).toMatch(/<pre[^>]*>Your code is 123456<\/pre>/);
    expect(page.indexOf("newer")).toBeLessThan(page.indexOf("older"));
    expect(page).not.toContain("<img");
    expect(page).not.toContain("onerror");
  });

  it(`shows at most the newest ${OUTBOX_PAGE_SIZE}`, async () => {
    const db = await getDb();
    for (let i = 0; i <= OUTBOX_PAGE_SIZE; i++) {
      await storeInOutbox(db, mail("a@example.com", `message #${i}#`));
      advanceClock(1_000);
    }
    const page = await renderPage();
    expect(page).toContain(`message #${OUTBOX_PAGE_SIZE}#`);
    expect(page).toContain("message #1#");
    expect(page).not.toContain("message #0#");
  });

  it("answers 404 in production without EMAIL_OUTBOX=1", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("EMAIL_OUTBOX", undefined);
    vi.resetModules();
    await expect(renderPage()).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
  });

  // In production with EMAIL_OUTBOX=1 the page is for admins only: tests/security/dev-outbox.test.ts.
});
