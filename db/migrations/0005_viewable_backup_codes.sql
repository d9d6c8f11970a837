-- Viewable backup codes (issue 13): each code also kept encrypted under ENCRYPTION_KEY (AES-256-GCM,
-- bound to its user and batch) with its place in the batch; batches made before stay hash-only.
ALTER TABLE "backup_codes" ADD COLUMN "code_encrypted" text;--> statement-breakpoint
ALTER TABLE "backup_codes" ADD COLUMN "position" smallint;