-- Sign-up attempts are throttled per client address with the same table as sign-ins, told
-- apart by `kind`; sign-in failures count `sign_in` rows only. An attempt is now recorded
-- (as a failure) before the password is checked, in the transaction that decided it may go
-- ahead, and a sign-in that then succeeds is marked so by `id`: concurrent attempts can no
-- longer all pass the throttle on the same stale count. Rows from before have no id.
ALTER TABLE login_attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'sign_in' CHECK (kind IN ('sign_in', 'sign_up'));
ALTER TABLE login_attempts ADD COLUMN id TEXT;
CREATE INDEX login_attempts_by_id ON login_attempts (id);
