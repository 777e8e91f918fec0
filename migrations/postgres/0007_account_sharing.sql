-- Whose Bitbucket credential may be used: an account is its creator's (and the admins') unless
-- its creator or an admin shares it with the team.
ALTER TABLE connected_accounts ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;

-- The name and email a person chose (Profile page) for the commits Ferry makes on their behalf;
-- NULL = not set, the sign-up email is used. Not verified.
ALTER TABLE users ADD COLUMN commit_name TEXT;
ALTER TABLE users ADD COLUMN commit_email TEXT;
