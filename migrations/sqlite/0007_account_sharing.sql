-- Whose Bitbucket credential may be used: an account is its creator's (and the admins') unless
-- its creator or an admin shares it with the team. 0 = not shared, 1 = shared.
ALTER TABLE connected_accounts ADD COLUMN shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1));

-- The name and email a person chose (Profile page) for the commits Ferry makes on their behalf;
-- NULL = not set, the sign-up email is used. Not verified.
ALTER TABLE users ADD COLUMN commit_name TEXT;
ALTER TABLE users ADD COLUMN commit_email TEXT;
