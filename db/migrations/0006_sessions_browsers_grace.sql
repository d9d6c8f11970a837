-- Issue 12: the browsers each person has signed in from (for "New sign-in to Tessera"), the reminders
-- sent before a deadline to set up 2FA (each at most once), and the grace period of required 2FA.
CREATE TABLE "enrollment_reminders" (
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "enrollment_reminders_user_id_kind_deadline_pk" PRIMARY KEY("user_id","kind","deadline"),
	CONSTRAINT "enrollment_reminders_kind_check" CHECK ("enrollment_reminders"."kind" in ('7_days', '1_day'))
);
--> statement-breakpoint
CREATE TABLE "known_browsers" (
	"user_id" uuid NOT NULL,
	"browser_hash" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "known_browsers_user_id_browser_hash_pk" PRIMARY KEY("user_id","browser_hash")
);
--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "enrollment_grace_days" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "enrollment_required_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "enrollment_reminders" ADD CONSTRAINT "enrollment_reminders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "known_browsers" ADD CONSTRAINT "known_browsers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "known_browsers_last_seen_at_idx" ON "known_browsers" USING btree ("last_seen_at");--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_grace_days_check" CHECK ("settings"."enrollment_grace_days" in (0, 7, 14, 30));