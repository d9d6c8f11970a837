// 2FA adoption at a glance for the Admin console home: who has a second factor, with which method, who is locked.
import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { twoFactorMethods, users } from "@/db/schema";

export type TwoFactorAdoption = {
  people: number;
  withTwoFactor: number;
  withApp: number;
  withEmail: number;
  locked: number;
};

export async function twoFactorAdoption(db: Queryable): Promise<TwoFactorAdoption> {
  const enabled = (kind?: "app" | "email") =>
    sql`exists (select 1 from ${twoFactorMethods} m where m.user_id = ${users.id} and m.enabled_at is not null${kind ? sql` and m.kind = ${kind}` : sql``})`;
  const [row] = await db
    .select({
      people: sql<number>`count(*)`.mapWith(Number),
      withTwoFactor: sql<number>`count(*) filter (where ${enabled()})`.mapWith(Number),
      withApp: sql<number>`count(*) filter (where ${enabled("app")})`.mapWith(Number),
      withEmail: sql<number>`count(*) filter (where ${enabled("email")})`.mapWith(Number),
      locked: sql<number>`count(*) filter (where ${users.status} = 'locked')`.mapWith(Number),
    })
    .from(users)
    .where(sql`${users.status} <> 'disabled'`);
  return row;
}
