// Reminders to set up required 2FA (issue 12, items 3 and 5): 7 days and 1 day before a person's
// deadline, each at most once however often, or however many times at once, the scheduler calls
// /api/cron/reminders (protected by a CRON_SECRET bearer token). Nobody with a method, disabled, an
// admin (no grace period) or past their deadline gets one.
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, enrollmentReminders, outboxMessages, twoFactorMethods, users, type User } from "@/db/schema";
import { GET, POST } from "@/app/api/cron/reminders/route";
import { DAY, MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { sendEnrollmentReminders } from "@/lib/two-factor/reminders";
import { updatePolicy } from "@/lib/two-factor/policy";
import { createTestUser, resetDatabase } from "../support/db";

vi.mock("next/headers", () => import("../support/next-headers"));

const context = { ip: "198.51.100.80", userAgent: "vitest" };
const T0 = new Date("2030-03-01T08:00:05Z");
const ORIGIN = "https://tessera.example";
const SECRET = "a-cron-secret-of-32-characters!!";
const SUBJECT = /^Set up two-factor authentication by /;

async function personAddedAt(at: Date, role: User["role"] = "agent"): Promise<User> {
  const user = await createTestUser({ role });
  await (await getDb()).update(users).set({ createdAt: at }).where(eq(users.id, user.id));
  return { ...user, createdAt: at };
}

async function requireWithGrace(admin: User, graceDays: number) {
  const result = await updatePolicy(await getDb(), { mode: "every_login", requireEnrollment: true, graceDays }, admin.id, context);
  expect(result).toMatchObject({ ok: true });
}

const remind = async () => sendEnrollmentReminders(await getDb(), ORIGIN, now());

async function reminderRows() {
  const db = await getDb();
  return db.select().from(enrollmentReminders).orderBy(enrollmentReminders.sentAt, enrollmentReminders.userId);
}

async function remindersTo(email: string) {
  const db = await getDb();
  const sent = await db.select().from(outboxMessages).where(eq(outboxMessages.to, email)).orderBy(outboxMessages.id);
  return sent.filter((message) => SUBJECT.test(message.subject));
}

async function remindersInOutbox() {
  const db = await getDb();
  return (await db.select().from(outboxMessages)).filter((message) => SUBJECT.test(message.subject));
}

describe("reminders before the deadline", () => {
  let admin: User;
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
    admin = await personAddedAt(addMs(T0, -DAY), "admin");
  });

  it("7 days before, then 1 day before, each sent once and audited", async () => {
    const agent = await personAddedAt(addMs(T0, -DAY));
    await requireWithGrace(admin, 14);
    const deadline = addMs(T0, 14 * DAY);
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });

    advanceClock(7 * DAY - MINUTE);
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });
    advanceClock(MINUTE);
    const weekBefore = now();
    expect(await remind()).toEqual({ due: 1, sent: 1, failed: 0 });
    const [week] = await remindersTo(agent.email);
    expect(week.subject).toBe("Set up two-factor authentication by 2030-03-15 08:00 UTC");
    expect(week.text).toContain("7 days left");
    expect(week.text).toContain(`${ORIGIN}/profile/security`);

    // Again the same minute, and the days after: nothing more until the last reminder is due, 2 days
    // before (a daily run then lands it 24 to 48 hours ahead).
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });
    advanceClock(5 * DAY - 2 * MINUTE);
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });
    advanceClock(2 * MINUTE);
    const dayBefore = now();
    expect(await remind()).toEqual({ due: 1, sent: 1, failed: 0 });
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });
    advanceClock(DAY);
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });
    const [, day, ...more] = await remindersTo(agent.email);
    expect(more).toHaveLength(0);
    expect(day.text).toContain("2 days left");

    // Past the deadline: nothing.
    advanceClock(2 * DAY);
    expect(await remind()).toEqual({ due: 0, sent: 0, failed: 0 });

    expect(await reminderRows()).toEqual([
      { userId: agent.id, kind: "7_days", deadline, sentAt: weekBefore },
      { userId: agent.id, kind: "1_day", deadline, sentAt: dayBefore },
    ]);
    const events = await (
      await getDb()
    )
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, "two_factor.reminder_sent"), eq(auditEvents.subjectId, agent.id)))
      .orderBy(auditEvents.id);
    expect(events.map((event) => event.details)).toEqual([
      { kind: "7_days", deadline: expect.any(String) },
      { kind: "1_day", deadline: expect.any(String) },
    ]);
    expect(new Date((events[0].details as { deadline: string }).deadline)).toEqual(deadline);
  });

  it("several runs at once send each reminder once between them", async () => {
    const agents = [await personAddedAt(addMs(T0, -DAY)), await personAddedAt(addMs(T0, -DAY)), await personAddedAt(addMs(T0, -DAY))];
    await requireWithGrace(admin, 7);

    // The grace period is 7 days: the first reminder is due at once.
    const first = await Promise.all(Array.from({ length: 6 }, () => remind()));
    expect(first.reduce((sum, result) => sum + result.due, 0)).toBe(3);
    expect(first.reduce((sum, result) => sum + result.sent, 0)).toBe(3);
    advanceClock(6 * DAY);
    const second = await Promise.all(Array.from({ length: 6 }, () => remind()));
    expect(second.reduce((sum, result) => sum + result.sent, 0)).toBe(3);

    const rows = await reminderRows();
    expect(rows).toHaveLength(6);
    for (const agent of agents) {
      expect(rows.filter((row) => row.userId === agent.id).map((row) => row.kind)).toEqual(["7_days", "1_day"]);
      expect(await remindersTo(agent.email)).toHaveLength(2);
    }
    expect(await remindersInOutbox()).toHaveLength(6);
  });

  it("nobody with a method, disabled, an admin or past their deadline gets one; a new deadline brings its own", async () => {
    const db = await getDb();
    const early = await personAddedAt(addMs(T0, -DAY));
    const withMethod = await personAddedAt(addMs(T0, -DAY));
    await db.insert(twoFactorMethods).values({ userId: withMethod.id, kind: "app", enabledAt: now(), secretEncrypted: "sealed" });
    const disabled = await personAddedAt(addMs(T0, -DAY));
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, disabled.id));
    await requireWithGrace(admin, 7);

    // Not required, or required without a grace period: no deadline to remind of.
    expect(await remind()).toEqual({ due: 1, sent: 1, failed: 0 });
    expect((await reminderRows()).map((row) => row.userId)).toEqual([early.id]);

    // Eight days on, the first person's deadline has passed; someone added two days in has a day left.
    advanceClock(2 * DAY);
    const late = await personAddedAt(now());
    advanceClock(6 * DAY);
    expect(await remind()).toEqual({ due: 1, sent: 1, failed: 0 });
    expect((await reminderRows()).map((row) => [row.userId, row.kind])).toEqual([
      [early.id, "7_days"],
      [late.id, "1_day"],
    ]);
    for (const person of [admin, withMethod, disabled]) expect(await remindersTo(person.email)).toHaveLength(0);

    // A new grace period is a new deadline, with its own reminders.
    await requireWithGrace(admin, 14);
    advanceClock(7 * DAY);
    expect(await remind()).toEqual({ due: 2, sent: 2, failed: 0 });
    expect(await remindersTo(early.email)).toHaveLength(2);
    expect(await remindersTo(late.email)).toHaveLength(2);
  });
});

describe("/api/cron/reminders", () => {
  let agent: User;
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
    const admin = await personAddedAt(addMs(T0, -DAY), "admin");
    agent = await personAddedAt(addMs(T0, -DAY));
    await requireWithGrace(admin, 7);
    vi.stubEnv("AUTH_URL", ORIGIN);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const call = (method: "GET" | "POST", authorization?: string) => {
    const request = new Request(`${ORIGIN}/api/cron/reminders`, {
      method,
      headers: authorization ? { authorization } : {},
    });
    return method === "GET" ? GET(request) : POST(request);
  };

  it("answers 503 and does nothing without a CRON_SECRET of 16 characters or more", async () => {
    vi.stubEnv("CRON_SECRET", undefined);
    expect((await call("GET", "Bearer ")).status).toBe(503);
    expect((await call("POST", `Bearer ${SECRET}`)).status).toBe(503);
    // Fifteen characters: too short to be a secret, even when the caller sends it.
    const short = "short-secret-15";
    vi.stubEnv("CRON_SECRET", short);
    const response = await call("GET", `Bearer ${short}`);
    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await reminderRows()).toHaveLength(0);
    expect(await remindersInOutbox()).toHaveLength(0);
  });

  it("answers 401 to a missing or wrong token, and does nothing", async () => {
    vi.stubEnv("CRON_SECRET", SECRET);
    for (const authorization of [undefined, "Bearer wrong-secret-of-some-length", `Basic ${SECRET}`, SECRET, `Bearer ${SECRET}x`]) {
      const response = await call("GET", authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
    }
    expect(await reminderRows()).toHaveLength(0);
    expect(await remindersInOutbox()).toHaveLength(0);
  });

  it("sends what is due with the right token, by GET or POST, each reminder once", async () => {
    vi.stubEnv("CRON_SECRET", SECRET);
    const response = await call("GET", `Bearer ${SECRET}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ ok: true, due: 1, sent: 1, failed: 0 });
    const again = await call("POST", `Bearer ${SECRET}`);
    expect(await again.json()).toEqual({ ok: true, due: 0, sent: 0, failed: 0 });

    const [reminder, ...more] = await remindersTo(agent.email);
    expect(more).toHaveLength(0);
    expect(reminder.text).toContain(`${ORIGIN}/profile/security`);
  });
});
