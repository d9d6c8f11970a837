import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema.ts and applied by db/migrate.ts on start.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
