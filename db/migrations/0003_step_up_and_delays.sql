-- Step-up with the second factor: a session's window says what opened it (a window opened before this
-- column existed reads as the password alone). Growing delays between wrong passwords, per account.
CREATE TABLE "password_delays" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"last_failed_at" timestamp with time zone NOT NULL,
	"retry_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_sessions" ADD COLUMN "reauthenticated_with" text;--> statement-breakpoint
CREATE INDEX "password_delays_last_failed_at_idx" ON "password_delays" USING btree ("last_failed_at");--> statement-breakpoint
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_reauthenticated_with_check" CHECK ("user_sessions"."reauthenticated_with" in ('password', 'second_factor'));