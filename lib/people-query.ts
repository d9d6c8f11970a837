// The admin's people search: name or email contains the words typed, filtered by 2FA status, in SQL.
import { and, asc, eq, exists, ilike, isNotNull, not, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { PLAIN_TEXT } from "./forms";
import { twoFactorMethods, users, type MethodKind, type User } from "@/db/schema";

export type PersonRow = Pick<User, "id" | "name" | "email" | "username" | "role" | "status" | "lastSignInAt" | "createdAt"> & {
  methods: MethodKind[];
};

export const TWO_FACTOR_FILTERS = ["on", "off", "locked"] as const;
export type TwoFactorFilter = (typeof TWO_FACTOR_FILTERS)[number];

/** The page's search parameters; anything unreadable is dropped rather than refused, as a URL can hold anything. */
export const peopleSearch = z.object({
  q: z.string().trim().max(100).regex(PLAIN_TEXT).optional().catch(undefined),
  status: z.enum(TWO_FACTOR_FILTERS).optional().catch(undefined),
});
export type PeopleSearch = z.infer<typeof peopleSearch>;

// % and _ typed by the admin are letters to look for, not wildcards.
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

export type PersonListRow = PersonRow & { failedCodeAttempts: number };

export async function searchPeople(db: Queryable, search: PeopleSearch): Promise<PersonListRow[]> {
  const enabledMethod = db
    .select({ one: sql`1` })
    .from(twoFactorMethods)
    .where(and(eq(twoFactorMethods.userId, users.id), isNotNull(twoFactorMethods.enabledAt)));
  const conditions: SQL[] = [];
  if (search.q) {
    const pattern = containsPattern(search.q);
    conditions.push(or(ilike(users.name, pattern), ilike(users.email, pattern), ilike(users.username, pattern))!);
  }
  if (search.status === "on") conditions.push(exists(enabledMethod));
  if (search.status === "off") conditions.push(not(exists(enabledMethod)));
  if (search.status === "locked") conditions.push(eq(users.status, "locked"));

  const rows = await db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      username: users.username,
      role: users.role,
      status: users.status,
      lastSignInAt: users.lastSignInAt,
      createdAt: users.createdAt,
      failedCodeAttempts: users.failedCodeAttempts,
      methods: sql<
        MethodKind[] | null
      >`array_agg(${twoFactorMethods.kind} order by ${twoFactorMethods.kind}) filter (where ${twoFactorMethods.enabledAt} is not null)`,
    })
    .from(users)
    .leftJoin(twoFactorMethods, eq(twoFactorMethods.userId, users.id))
    .where(and(...conditions))
    .groupBy(users.id)
    .orderBy(asc(users.name), asc(users.email));
  return rows.map((row) => ({ ...row, methods: row.methods ?? [] }));
}
