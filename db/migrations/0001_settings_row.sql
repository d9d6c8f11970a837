-- The organisation's 2FA policy is a single row that always exists.
INSERT INTO "settings" ("id") VALUES (1) ON CONFLICT ("id") DO NOTHING;
