// The whole data model of Tessera: every table, its constraints and indexes (drizzle pg-core).
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const ROLES = ["admin", "agent"] as const;
export type Role = (typeof ROLES)[number];
export const USER_STATUSES = ["active", "locked", "disabled"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const METHOD_KINDS = ["email", "app", "passkey"] as const;
/** What a session last proved itself with: the password alone, or a second factor (after the password). */
export const STEP_UP_FACTORS = ["password", "second_factor"] as const;
export type StepUpFactor = (typeof STEP_UP_FACTORS)[number];
export type MethodKind = (typeof METHOD_KINDS)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Stored lower-case; sign-in compares lower-case input.
    username: text("username").notNull(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull().default("agent"),
    passwordHash: text("password_hash").notNull(),
    status: text("status").$type<UserStatus>().notNull().default("active"),
    // Raised by every change that must end the user's other sessions.
    sessionVersion: integer("session_version").notNull().default(1),
    failedCodeAttempts: integer("failed_code_attempts").notNull().default(0),
    codeRetryAfter: ts("code_retry_after"),
    lockedAt: ts("locked_at"),
    passwordChangedAt: ts("password_changed_at").notNull().defaultNow(),
    lastSignInAt: ts("last_sign_in_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_username_key").on(t.username),
    uniqueIndex("users_email_key").on(t.email),
    check("users_role_check", sql`${t.role} in ('admin', 'agent')`),
    check("users_status_check", sql`${t.status} in ('active', 'locked', 'disabled')`),
    check("users_username_lower", sql`${t.username} = lower(${t.username})`),
    check("users_email_lower", sql`${t.email} = lower(${t.email})`),
  ],
);

export const userSessions = pgTable(
  "user_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    lastSeenAt: ts("last_seen_at").notNull(),
    revokedAt: ts("revoked_at"),
    // Last time this session proved who it is (at sign-in, or "Confirm it's you"), and with what:
    // sensitive changes need it recent, and with the second factor when the user has one.
    reauthenticatedAt: ts("reauthenticated_at"),
    reauthenticatedWith: text("reauthenticated_with").$type<StepUpFactor>(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    // A session is written once every factor is verified, pending, with the hash of a one-time ticket:
    // the only thing the Auth.js Credentials provider accepts. Redeeming the ticket (within a minute)
    // activates the session and clears the hash; a pending session is no session.
    ticketHash: text("ticket_hash"),
    activatedAt: ts("activated_at"),
  },
  (t) => [
    index("user_sessions_user_idx").on(t.userId),
    check("user_sessions_reauthenticated_with_check", sql`${t.reauthenticatedWith} in ('password', 'second_factor')`),
    uniqueIndex("user_sessions_ticket_hash_key")
      .on(t.ticketHash)
      .where(sql`${t.ticketHash} is not null`),
  ],
);

export const twoFactorMethods = pgTable(
  "two_factor_methods",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").$type<MethodKind>().notNull(),
    // Null while the method is being set up and not yet verified.
    enabledAt: ts("enabled_at"),
    secretEncrypted: text("secret_encrypted"),
    // A new secret under verification (set up or reset); the enabled one keeps working meanwhile.
    pendingSecretEncrypted: text("pending_secret_encrypted"),
    // Highest TOTP time step accepted: the replay guard.
    lastUsedStep: bigint("last_used_step", { mode: "number" }),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("two_factor_methods_user_kind_key").on(t.userId, t.kind),
    check("two_factor_methods_kind_check", sql`${t.kind} in ('email', 'app', 'passkey')`),
  ],
);

export const emailCodes = pgTable(
  "email_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose").$type<"sign_in" | "setup">().notNull(),
    codeHash: text("code_hash").notNull(),
    sentAt: ts("sent_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
  },
  (t) => [
    index("email_codes_user_purpose_idx").on(t.userId, t.purpose, t.sentAt),
    check("email_codes_purpose_check", sql`${t.purpose} in ('sign_in', 'setup')`),
  ],
);

export const backupCodes = pgTable(
  "backup_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id").notNull(),
    // The keyed hash checks a code; the encrypted copy (AES-256-GCM under ENCRYPTION_KEY, bound to the
    // user and the batch) is what "View Backup Codes" shows. Null for batches made before it existed.
    codeHash: text("code_hash").notNull(),
    codeEncrypted: text("code_encrypted"),
    position: smallint("position"),
    createdAt: ts("created_at").notNull(),
    usedAt: ts("used_at"),
  },
  (t) => [index("backup_codes_user_idx").on(t.userId, t.codeHash)],
);

export const adminBackupCodes = pgTable(
  "admin_backup_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    issuedBy: uuid("issued_by").references(() => users.id, { onDelete: "set null" }),
    codeHash: text("code_hash").notNull(),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
  },
  (t) => [index("admin_backup_codes_user_idx").on(t.userId)],
);

export const signInChallenges = pgTable(
  "sign_in_challenges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    method: text("method"),
    // A passkey without user verification that stood for the password: it cannot be the second factor too.
    firstFactorPasskeyId: uuid("first_factor_passkey_id").references(() => passkeys.id, { onDelete: "set null" }),
    completedAt: ts("completed_at"),
    cancelledAt: ts("cancelled_at"),
  },
  (t) => [index("sign_in_challenges_user_idx").on(t.userId)],
);

export const trustedBrowsers = pgTable(
  "trusted_browsers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    lastUsedAt: ts("last_used_at"),
    userAgent: text("user_agent"),
    ip: text("ip"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("trusted_browsers_user_idx").on(t.userId)],
);

// Passkeys and security keys (WebAuthn credentials), several per person. While a person has one, their
// two_factor_methods row of kind 'passkey' is enabled, so every rule that counts methods counts them.
export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // The credential ID and the COSE public key, base64url, as the authenticator gave them.
    credentialId: text("credential_id").notNull(),
    publicKey: text("public_key").notNull(),
    // The signature counter: an assertion must raise it (unless the authenticator keeps none: 0 forever).
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: jsonb("transports").$type<string[]>().notNull().default([]),
    aaguid: text("aaguid"),
    name: text("name").notNull(),
    backedUp: boolean("backed_up").notNull().default(false),
    createdAt: ts("created_at").notNull(),
    lastUsedAt: ts("last_used_at"),
  },
  (t) => [
    uniqueIndex("passkeys_credential_id_key").on(t.credentialId),
    index("passkeys_user_idx").on(t.userId),
    check("passkeys_name_length", sql`char_length(${t.name}) between 1 and 64`),
  ],
);

export const WEBAUTHN_PURPOSES = ["register", "second_factor", "sign_in", "step_up"] as const;
export type WebAuthnPurpose = (typeof WEBAUTHN_PURPOSES)[number];

// Every WebAuthn challenge the server hands out: single use (deleted by the statement that checks the
// answer), 5 minutes, bound to what asked for it: a session (register, step_up), a sign-in challenge
// (second_factor) or the browser's sealed cookie naming this row (sign_in, before anyone is known).
export const webauthnChallenges = pgTable(
  "webauthn_challenges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    purpose: text("purpose").$type<WebAuthnPurpose>().notNull(),
    challenge: text("challenge").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    sessionId: uuid("session_id").references(() => userSessions.id, { onDelete: "cascade" }),
    signInChallengeId: uuid("sign_in_challenge_id").references(() => signInChallenges.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("webauthn_challenges_challenge_key").on(t.challenge),
    index("webauthn_challenges_expires_at_idx").on(t.expiresAt),
    check("webauthn_challenges_purpose_check", sql`${t.purpose} in ('register', 'second_factor', 'sign_in', 'step_up')`),
    check(
      "webauthn_challenges_bound",
      sql`case ${t.purpose}
        when 'sign_in' then ${t.userId} is null
        when 'second_factor' then ${t.userId} is not null and ${t.signInChallengeId} is not null
        else ${t.userId} is not null and ${t.sessionId} is not null end`,
    ),
  ],
);

// Browsers a person has signed in from: the hash of the random id in the browser's sealed, long-lived
// `tessera-browser` cookie (one per browser, whoever signs in there), per person. A completed sign-in from
// a browser not seen for this person in 90 days emails "New sign-in to Tessera". Forgotten 90 days
// after it was last seen.
export const knownBrowsers = pgTable(
  "known_browsers",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    browserHash: text("browser_hash").notNull(),
    firstSeenAt: ts("first_seen_at").notNull(),
    lastSeenAt: ts("last_seen_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.browserHash] }), index("known_browsers_last_seen_at_idx").on(t.lastSeenAt)],
);

export const REMINDER_KINDS = ["7_days", "1_day"] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

// The reminders sent before a person's deadline to set up 2FA: one row per person, kind and deadline,
// written by the statement that claims it, so each is sent at most once however many runs race.
export const enrollmentReminders = pgTable(
  "enrollment_reminders",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").$type<ReminderKind>().notNull(),
    deadline: ts("deadline").notNull(),
    sentAt: ts("sent_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.kind, t.deadline] }),
    check("enrollment_reminders_kind_check", sql`${t.kind} in ('7_days', '1_day')`),
  ],
);

export const POLICY_MODES = ["every_login", "skip_allowed"] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];
export const SKIP_DAYS = [14, 30, 60, 90] as const;
export const GRACE_DAYS = [0, 7, 14, 30] as const;

// The organisation's 2FA policy: exactly one row (id = 1), created by the first migration.
export const settings = pgTable(
  "settings",
  {
    id: smallint("id").primaryKey().default(1),
    twoFactorMode: text("two_factor_mode").$type<PolicyMode>().notNull().default("every_login"),
    skipDays: integer("skip_days").notNull().default(30),
    requireEnrollment: boolean("require_enrollment").notNull().default(false),
    allowEmailMethod: boolean("allow_email_method").notNull().default(true),
    allowPasskeyMethod: boolean("allow_passkey_method").notNull().default(true),
    // "Require two-factor authentication": how long people without a method keep signing in as usual
    // (0, 7, 14 or 30 days), counted from `enrollment_required_at` (when the requirement or its grace
    // period was last saved) or from when the person was added, whichever is later. Admins get none.
    enrollmentGraceDays: integer("enrollment_grace_days").notNull().default(0),
    enrollmentRequiredAt: ts("enrollment_required_at"),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("settings_singleton", sql`${t.id} = 1`),
    check("settings_mode_check", sql`${t.twoFactorMode} in ('every_login', 'skip_allowed')`),
    check("settings_skip_days_check", sql`${t.skipDays} in (14, 30, 60, 90)`),
    check("settings_grace_days_check", sql`${t.enrollmentGraceDays} in (0, 7, 14, 30)`),
  ],
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: ts("at").notNull(),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    subjectId: uuid("subject_id").references(() => users.id, { onDelete: "set null" }),
    type: text("type").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at.desc(), t.id.desc()),
    index("audit_events_subject_idx").on(t.subjectId, t.at.desc(), t.id.desc()),
    index("audit_events_actor_idx").on(t.actorId, t.at.desc(), t.id.desc()),
    index("audit_events_type_idx").on(t.type, t.at.desc(), t.id.desc()),
  ],
);

// Fixed-window counters for throttling (password attempts, email sends), keyed by purpose and subject.
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").notNull(),
    windowStart: ts("window_start").notNull(),
    count: integer("count").notNull(),
  },
  // The window index serves the sweep of finished windows, which runs now and then (lib/rate-limit.ts).
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index("rate_limits_window_start_idx").on(t.windowStart)],
);

// Growing delays between wrong passwords, per account: the resolved user (`user:<id>`), or what was
// typed for an account that does not exist (`account:<text>`), so the answer reveals nothing. A row is
// booked before the password is checked, forgiven by the right one, and forgotten a day after its last
// failure (lib/auth/password-limits.ts).
export const passwordDelays = pgTable(
  "password_delays",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    lastFailedAt: ts("last_failed_at").notNull(),
    retryAt: ts("retry_at").notNull(),
  },
  (t) => [index("password_delays_last_failed_at_idx").on(t.lastFailedAt)],
);

// The local outbox: where mail goes when no Resend key is configured (development and tests).
export const outboxMessages = pgTable(
  "outbox_messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("outbox_messages_created_idx").on(t.createdAt.desc(), t.id.desc())],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type OutboxMessage = typeof outboxMessages.$inferSelect;
export type Settings = typeof settings.$inferSelect;
export type Passkey = typeof passkeys.$inferSelect;
