-- Staff accounts and sign-in (docs/clinical.md, "Staff accounts and sign-in").
--
-- People, not tokens: every clinical record is attributed to a user. A user has one role in one organisation:
-- clinician (billing practitioner, with an NPI), coordinator (clinical staff under a clinician's supervision),
-- admin, support or manufacturing. Passwords are stored only as argon2id PHC strings. API tokens stay for
-- machines (the station, scripts); a token bound to a user (api_tokens.user_id) acts as that user.

ALTER TABLE users ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'coordinator'
  CHECK (role IN ('admin', 'clinician', 'coordinator', 'support', 'manufacturing'));
ALTER TABLE users ADD COLUMN IF NOT EXISTS npi text CHECK (npi IS NULL OR npi ~ '^[0-9]{10}$');
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_hash text;                 -- argon2id PHC string; NULL = cannot sign in
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_changed_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS must_change_password boolean NOT NULL DEFAULT false;  -- set by an admin reset
ALTER TABLE users ADD COLUMN IF NOT EXISTS failed_sign_ins integer NOT NULL DEFAULT 0;  -- consecutive failures
ALTER TABLE users ADD COLUMN IF NOT EXISTS locked_until timestamptz;            -- lockout after repeated failures
ALTER TABLE users ADD COLUMN IF NOT EXISTS last_sign_in_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;             -- a disabled user's sessions and tokens are dead
UPDATE users SET email = lower(email) WHERE email IS NOT NULL AND email <> lower(email);
CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (lower(email)) WHERE email IS NOT NULL;
-- A clinician bills under their NPI: the API requires one for that role (application check, so that an
-- existing row can be fixed by an admin rather than rejected by the migration).
CREATE INDEX IF NOT EXISTS users_org ON users (org_id, role);

ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
  CHECK (role IN ('admin', 'clinic', 'clinician', 'coordinator', 'support', 'manufacturing'));
-- clinician and coordinator are people: their tokens are personal (bound to the user).
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_person_role CHECK (role NOT IN ('clinician', 'coordinator') OR user_id IS NOT NULL);

-- Server-side sessions. The cookie holds a random secret; only its SHA-256 is stored. The CSRF token is a
-- second secret bound to the session (synchronizer token), also stored as a hash.
CREATE TABLE sessions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES users(id),
  token_hash     bytea NOT NULL UNIQUE,
  csrf_hash      bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now(),   -- idle expiry counts from here
  expires_at     timestamptz NOT NULL,                 -- absolute expiry
  revoked_at     timestamptz,
  revoked_reason text,
  ip             text,
  user_agent     text
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- Every record a person makes carries who made it (users.id); the old free-text staff columns stay for the
-- rows written before accounts existed.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS user_id uuid REFERENCES users(id);
CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log (user_id, at) WHERE user_id IS NOT NULL;
