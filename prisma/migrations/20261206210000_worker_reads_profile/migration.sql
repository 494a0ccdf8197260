-- The account export (src/worker/account/export.ts) puts the user's profile
-- in the archive beside their documents, so the worker reads five columns of
-- Better Auth's "user": its id (to find the row), name, email, whether the
-- email is verified, and when the account was made. The token's name and
-- email claims are not enough: up to 15 minutes old, and without the other
-- two. Nothing else of the row (image, updatedAt), and still nothing of
-- "account", "verification" or "jwks"; reads only, the row stays Better
-- Auth's to write.
GRANT SELECT ("id", "name", "email", "emailVerified", "createdAt") ON TABLE "user" TO app_worker;
