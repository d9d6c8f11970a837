-- The session row itself is the one-time sign-in ticket: written pending, activated once by Auth.js.
-- Sessions that exist already were issued through the old tickets: they are active.
DROP TABLE "sign_in_tickets" CASCADE;--> statement-breakpoint
ALTER TABLE "user_sessions" ADD COLUMN "ticket_hash" text;--> statement-breakpoint
ALTER TABLE "user_sessions" ADD COLUMN "activated_at" timestamp with time zone;--> statement-breakpoint
UPDATE "user_sessions" SET "activated_at" = "created_at";--> statement-breakpoint
CREATE UNIQUE INDEX "user_sessions_ticket_hash_key" ON "user_sessions" USING btree ("ticket_hash") WHERE "user_sessions"."ticket_hash" is not null;--> statement-breakpoint
CREATE INDEX "rate_limits_window_start_idx" ON "rate_limits" USING btree ("window_start");
