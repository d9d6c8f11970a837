import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, type User } from "@/db/schema";
import { rowsOf } from "@/db/sql";
import { AUDIT_TYPES } from "@/lib/audit";
import { csvCell, csvLine } from "@/lib/audit-csv";
import {
  auditEventsFrom,
  auditFilter,
  auditPageIdsQuery,
  auditSearch,
  listAuditEvents,
  type AuditCursor,
  type AuditFilter,
} from "@/lib/audit-query";
import { createTestUser, resetDatabase } from "../support/db";

const T0 = new Date("2030-05-01T00:00:00.000Z");
const SECOND = 1000;

/** `count` events, several sharing each timestamp so that the id has to break ties. */
async function seedEvents(people: User[], count: number) {
  const db = await getDb();
  const rows = Array.from({ length: count }, (_, i) => ({
    at: new Date(T0.getTime() + Math.floor(i / 3) * 60 * SECOND),
    type: AUDIT_TYPES[i % 4],
    actorId: i % 5 === 0 ? people[1].id : null,
    subjectId: people[i % people.length].id,
    ip: "192.0.2.1",
    userAgent: "vitest",
    details: { n: i },
  }));
  await db.insert(auditEvents).values(rows);
  return db.select().from(auditEvents);
}

/** Walks every page down with "Older", then back up with "Newer"; returns the ids seen each way. */
async function walk(filter: AuditFilter, limit: number) {
  const db = await getDb();
  const down: number[][] = [];
  let cursor: AuditCursor = {};
  for (;;) {
    const page = await listAuditEvents(db, filter, cursor, limit);
    down.push(page.events.map((event) => event.id));
    if (page.older === null) break;
    cursor = { before: page.older };
  }
  const up: number[][] = [];
  let last = await listAuditEvents(db, filter, cursor, limit);
  while (last.newer !== null) {
    last = await listAuditEvents(db, filter, { after: last.newer }, limit);
    up.push(last.events.map((event) => event.id));
  }
  return { down, up };
}

function newestFirst(events: { id: number; at: Date }[]): number[] {
  return [...events].sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id).map((event) => event.id);
}

describe("paging the audit log", () => {
  beforeEach(() => resetDatabase());

  it("returns every event once, newest first, across pages, even when events share a time", async () => {
    const people = await Promise.all([createTestUser(), createTestUser(), createTestUser()]);
    const all = await seedEvents(people, 103);
    const { down } = await walk({}, 10);
    expect(down).toHaveLength(11);
    expect(down.slice(0, 10).every((page) => page.length === 10)).toBe(true);
    expect(down.flat()).toEqual(newestFirst(all));
  });

  it("goes back up with Newer through the same pages", async () => {
    const people = await Promise.all([createTestUser(), createTestUser()]);
    await seedEvents(people, 40);
    const { down, up } = await walk({}, 10);
    // From the last page, Newer visits each earlier page in turn.
    expect(up).toEqual(down.slice(0, -1).reverse());
  });

  it("the newest page has no Newer and the oldest no Older", async () => {
    const db = await getDb();
    const people = [await createTestUser(), await createTestUser()];
    await seedEvents(people, 25);
    const first = await listAuditEvents(db, {}, {}, 10);
    expect(first.newer).toBeNull();
    expect(first.older).not.toBeNull();
    const last = await listAuditEvents(db, {}, { before: (await listAuditEvents(db, {}, { before: first.older! }, 10)).older! }, 10);
    expect(last.events).toHaveLength(5);
    expect(last.older).toBeNull();
    expect(last.newer).not.toBeNull();
  });

  it("filters by user as actor or subject, every matching event once", async () => {
    const people = await Promise.all([createTestUser(), createTestUser(), createTestUser()]);
    const all = await seedEvents(people, 90);
    const target = people[1].id;
    const expected = newestFirst(all.filter((event) => event.actorId === target || event.subjectId === target));
    const { down, up } = await walk({ userId: target }, 7);
    expect(down.flat()).toEqual(expected);
    expect(up).toEqual(down.slice(0, -1).reverse());
  });

  it("filters by type and by date range, together with a user", async () => {
    const people = await Promise.all([createTestUser(), createTestUser(), createTestUser()]);
    const all = await seedEvents(people, 120);
    const from = new Date(T0.getTime() + 5 * 60 * SECOND);
    const until = new Date(T0.getTime() + 30 * 60 * SECOND);
    const filter: AuditFilter = { userId: people[0].id, type: AUDIT_TYPES[0], from, until };
    const expected = newestFirst(
      all.filter(
        (event) =>
          (event.actorId === people[0].id || event.subjectId === people[0].id) &&
          event.type === AUDIT_TYPES[0] &&
          event.at >= from &&
          event.at < until,
      ),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect((await walk(filter, 2)).down.flat()).toEqual(expected);
    expect((await walk({ type: AUDIT_TYPES[1] }, 9)).down.flat()).toEqual(
      newestFirst(all.filter((event) => event.type === AUDIT_TYPES[1])),
    );
  });

  it("reads every event for export, a batch at a time", async () => {
    const db = await getDb();
    const people = [await createTestUser(), await createTestUser()];
    const all = await seedEvents(people, 55);
    const seen: number[] = [];
    for await (const event of auditEventsFrom(db, {}, await listAuditEvents(db, {}, {}, 10), 10)) seen.push(event.id);
    expect(seen).toEqual(newestFirst(all));
  });

  it("names the actor and the subject of each event", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin", name: "Ada Admin", email: "ada@example.com" });
    const agent = await createTestUser({ name: "Maria Lopez", email: "maria@example.com" });
    await db
      .insert(auditEvents)
      .values({ at: T0, type: "user.unlocked", actorId: admin.id, subjectId: agent.id, ip: "203.0.113.9", userAgent: "Firefox" });
    const [event] = (await listAuditEvents(db, {})).events;
    expect(event).toMatchObject({
      type: "user.unlocked",
      at: T0,
      ip: "203.0.113.9",
      userAgent: "Firefox",
      actor: { id: admin.id, name: "Ada Admin", email: "ada@example.com" },
      subject: { id: agent.id, name: "Maria Lopez", email: "maria@example.com" },
    });
  });
});

describe("reading the audit page's search", () => {
  beforeEach(() => resetDatabase());

  it("keeps what it can read, drops the rest, and names the dates it cannot use", () => {
    expect(auditSearch.parse({ user: " maria ", type: "user.locked", from: "2030-05-01", to: "2030-05-31", before: "42" })).toEqual({
      user: "maria",
      type: "user.locked",
      from: "2030-05-01",
      to: "2030-05-31",
      before: 42,
      refusedDates: [],
    });
    expect(auditSearch.parse({ user: "", type: "drop table", from: "2030-02-30", to: "yesterday", before: "-1", after: "1e9" })).toEqual({
      refusedDates: ["from", "to"],
    });
    expect(auditSearch.parse({ type: ["user.locked", "user.unlocked"], user: "x".repeat(300), from: " ", to: "" })).toEqual({
      refusedDates: [],
    });
    expect(auditSearch.parse({ from: "1970-01-01", to: "9999-12-31" })).toMatchObject({
      from: "1970-01-01",
      to: "9999-12-31",
      refusedDates: [],
    });
    expect(auditSearch.parse({ from: "1969-12-31", to: "10000-01-01" })).toMatchObject({ refusedDates: ["from", "to"] });
  });

  it("finds the user by email or username, includes the whole last day, and reports an unknown user", async () => {
    const db = await getDb();
    const maria = await createTestUser({ username: "maria", email: "maria@example.com" });
    const other = await createTestUser();
    const filter = auditFilter(auditSearch.parse({ user: "MARIA@example.com", from: "2030-05-01", to: "2030-05-01" }));
    expect(filter).toEqual({
      account: "maria@example.com",
      type: undefined,
      from: new Date("2030-05-01T00:00:00Z"),
      until: new Date("2030-05-02T00:00:00Z"),
    });
    // The account is resolved in the page's statement: only maria's events of that day, the last second included.
    const lastSecond = new Date("2030-05-01T23:59:59Z");
    await db.insert(auditEvents).values([
      { at: T0, type: "user.unlocked", subjectId: maria.id },
      { at: lastSecond, type: "user.unlocked", actorId: maria.id, subjectId: other.id },
      { at: new Date("2030-05-02T00:00:00Z"), type: "user.unlocked", subjectId: maria.id },
      { at: T0, type: "user.unlocked", subjectId: other.id },
    ]);
    const page = await listAuditEvents(db, filter);
    expect(page.unknownUser).toBe(false);
    expect(page.events.map((event) => event.at)).toEqual([lastSecond, T0]);
    expect(page.events.every((event) => event.actor?.id === maria.id || event.subject?.id === maria.id)).toBe(true);

    const byUsername = await listAuditEvents(db, auditFilter({ user: " Maria " }));
    expect(byUsername.unknownUser).toBe(false);
    expect(byUsername.events).toHaveLength(3);
    const nobody = await listAuditEvents(db, auditFilter({ user: "nobody" }));
    expect(nobody).toMatchObject({ unknownUser: true, events: [] });
  });
});

describe("the audit log as CSV", () => {
  it("writes cells that could start a formula as text", () => {
    for (const formula of ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      expect(csvCell(formula).replace(/^"/, "").startsWith("'")).toBe(true);
    }
    expect(csvCell("=1+1")).toBe(`"'=1+1"`);
    expect(csvCell("maria@example.com")).toBe("maria@example.com");
  });

  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell('Mozilla/5.0 (X11; Linux) "quoted", more')).toBe('"Mozilla/5.0 (X11; Linux) ""quoted"", more"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=cmd|' /C calc'!A0,x")).toBe(`"'=cmd|' /C calc'!A0,x"`);
    expect(csvCell("Mozilla/5.0 (X11; Linux x86_64)")).toBe('"Mozilla/5.0 (X11; Linux x86_64)"');
    expect(csvLine(["a", null, undefined, "b"])).toBe("a,,,b\r\n");
  });
});

describe("the audit query plan", () => {
  async function seedMany(count: number) {
    const db = await getDb();
    const people = await Promise.all(Array.from({ length: 20 }, () => createTestUser()));
    const ids = sql.raw(`array[${people.map((person) => `'${person.id}'::uuid`).join(",")}]`);
    const types = sql.raw(`array[${AUDIT_TYPES.map((type) => `'${type}'`).join(",")}]`);
    // One statement, so a million rows take seconds rather than a million round trips.
    await db.execute(sql`
      insert into audit_events (at, actor_id, subject_id, type, ip, user_agent, details)
      select timestamptz '2030-01-01 00:00:00+00' + g * interval '1 second',
             case when g % 7 = 0 then (${ids})[1 + g % 20] end,
             (${ids})[1 + (g / 3) % 20],
             (${types})[1 + g % ${AUDIT_TYPES.length}],
             '192.0.2.1', 'load test', '{}'::jsonb
      from generate_series(1, ${count}) as g`);
    await db.execute(sql`analyze audit_events`);
    const [row] = rowsOf<{ count: string | number }>(await db.execute(sql`select count(*) as count from audit_events`));
    expect(Number(row.count)).toBe(count);
    return people;
  }

  async function plan(filter: AuditFilter, cursor: AuditCursor = {}) {
    const db = await getDb();
    const rows = rowsOf<Record<string, string>>(await db.execute(sql`explain ${auditPageIdsQuery(filter, cursor, 51)}`));
    return rows.map((row) => Object.values(row)[0]).join("\n");
  }

  async function expectIndexOnly(count: number) {
    await resetDatabase();
    const people = await seedMany(count);
    const db = await getDb();
    const middle = (await listAuditEvents(db, {}, {}, 1000)).older!;
    const cases: [string, AuditFilter, AuditCursor][] = [
      ["first page", {}, {}],
      ["an older page", {}, { before: middle }],
      ["a newer page", {}, { after: middle }],
      ["a type", { type: "user.locked" }, { before: middle }],
      ["a user", { userId: people[3].id }, { before: middle }],
      ["a typed account", { account: people[3].username }, { before: middle }],
      ["a user and a type", { userId: people[3].id, type: "sign_in.failed" }, {}],
      ["a date range", { from: new Date("2030-01-02T00:00:00Z"), until: new Date("2030-01-03T00:00:00Z") }, {}],
    ];
    for (const [name, filter, cursor] of cases) {
      const text = await plan(filter, cursor);
      expect(text, `${name}:\n${text}`).toContain("Index");
      expect(text, `${name}:\n${text}`).not.toMatch(/Seq Scan on audit_events/);
    }
  }

  it("walks an index, never the whole table, at 20,000 events", async () => {
    await expectIndexOnly(20_000);
  }, 120_000);

  // A million rows take minutes on the embedded WebAssembly database; PostgreSQL does it in seconds.
  describe.runIf(Boolean(process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL))("on PostgreSQL", () => {
    it("walks an index, never the whole table, at 1,000,000 events", async () => {
      await expectIndexOnly(1_000_000);
    }, 300_000);
  });
});
