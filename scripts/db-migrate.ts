// `npm run db:migrate`: apply migrations to DATABASE_URL, or to the embedded database in .data/.
import { closeDb, databaseDriver } from "../db/client";

const driver = await databaseDriver();
console.log(`[tessera] Migrations applied (${driver === "postgres" ? "PostgreSQL at DATABASE_URL" : "embedded PGlite"}).`);
await closeDb();
