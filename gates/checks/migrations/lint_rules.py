"""Every rule the ``migrations`` gate can report: id, severity, why, safe alternative.

Lint rule ids follow squawk's names where the meaning is the same (``ban-drop-column``,
``renaming-table``...), so people who know squawk recognise them. The list feeds
``gates explain <id>`` and SARIF rule metadata.
"""

from __future__ import annotations

from dataclasses import replace

from gates.checks.base import Rule
from gates.model import Severity

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
_SQUAWK = "https://squawkhq.com/docs/"

LINT_RULES: tuple[Rule, ...] = (
    Rule(
        "syntax-error",
        H,
        "SQL does not parse",
        "PostgreSQL's own parser (libpg_query via pglast) rejects the file; it cannot apply.",
        "Fix the statement at the reported line; run it against a local database.",
    ),
    Rule(
        "ban-drop-table",
        H,
        "Dropping a table",
        "Running application versions still read and write the table; data is lost for good.",
        "Expand/contract: stop using the table in a release first, back it up, drop it later.",
    ),
    Rule(
        "ban-drop-column",
        H,
        "Dropping a column",
        "The application version still running during the deploy selects or writes the column.",
        "Make the app ignore the column and deploy; drop the column in a later migration.",
    ),
    Rule(
        "ban-drop-schema",
        H,
        "Dropping a schema",
        "Drops every object in it (with CASCADE) while clients still use them.",
        "Move objects out or empty it in earlier releases; drop it when nothing refers to it.",
    ),
    Rule(
        "ban-drop-database",
        C,
        "Dropping a database",
        "Destroys all data; never part of a forward migration.",
        "Do it by hand, not in a migration.",
    ),
    Rule(
        "renaming-table",
        H,
        "Renaming a table",
        "The old app version still uses the old name and fails during the rollout.",
        "Create the new table (or a view with the new name), dual-write, move reads, drop later.",
    ),
    Rule(
        "renaming-column",
        H,
        "Renaming a column",
        "The old app version still uses the old name and fails during the rollout.",
        "Add the new column, backfill, dual-write, move reads, then drop the old column.",
    ),
    Rule(
        "changing-column-type",
        H,
        "Changing a column's type",
        "Most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock, "
        "blocking reads and writes; old clients may break on the new type.",
        "Add a column of the new type, backfill in batches, switch reads, drop the old one. "
        "varchar(n) -> text or a larger varchar is safe (no rewrite) and not flagged.",
    ),
    Rule(
        "adding-required-field",
        H,
        "Adding a NOT NULL column without a default",
        "Fails on a populated table, and old app versions cannot INSERT without the column.",
        "Add the column nullable or with a constant DEFAULT; backfill; then add NOT NULL safely.",
    ),
    Rule(
        "adding-not-nullable-field",
        H,
        "Setting NOT NULL on an existing column",
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock.",
        "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT "
        "NULL (PostgreSQL 12+ uses the validated check and skips the scan); drop the check.",
    ),
    Rule(
        "adding-field-with-default",
        H,
        "Adding a column with a volatile default",
        "A volatile default (random(), gen_random_uuid(), clock_timestamp(), serial, a stored "
        "generated column...) rewrites the table under ACCESS EXCLUSIVE. Constant and stable "
        "defaults such as now() are metadata-only since PostgreSQL 11 and are not flagged.",
        "Add the column without a default, set the default in a second statement, backfill in "
        "batches.",
    ),
    Rule(
        "require-concurrent-index-creation",
        H,
        "CREATE INDEX without CONCURRENTLY",
        "On a table that existed before this migration, CREATE INDEX blocks all writes while "
        "the index builds.",
        "CREATE INDEX CONCURRENTLY, alone in its own migration file (Supabase runs each file in "
        "one transaction). Tables created in the same migration are exempt.",
    ),
    Rule(
        "require-concurrent-index-deletion",
        M,
        "DROP INDEX without CONCURRENTLY",
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table.",
        "DROP INDEX CONCURRENTLY, alone in its own migration file.",
    ),
    Rule(
        "ban-concurrent-index-creation-in-transaction",
        H,
        "CONCURRENTLY inside a transaction",
        "CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block. The Supabase CLI "
        "sends each migration file as one implicit transaction, so a CONCURRENTLY statement "
        "fails unless it is the only statement in its file (and there is no BEGIN).",
        "Put the CONCURRENTLY statement alone in its own migration file.",
    ),
    Rule(
        "constraint-missing-not-valid",
        H,
        "FOREIGN KEY or CHECK constraint without NOT VALID",
        "Adding a validated constraint to an existing table scans it while holding a lock that "
        "blocks writes (a FOREIGN KEY locks the referenced table too).",
        "ADD CONSTRAINT ... NOT VALID; then VALIDATE CONSTRAINT in a separate migration.",
    ),
    Rule(
        "constraint-without-index",
        H,
        "PRIMARY KEY or UNIQUE constraint without an index",
        "Building the index behind a new PRIMARY KEY/UNIQUE constraint holds an ACCESS "
        "EXCLUSIVE lock for the whole build.",
        "CREATE UNIQUE INDEX CONCURRENTLY (own file), then ADD CONSTRAINT ... USING INDEX.",
    ),
    Rule(
        "ban-vacuum-full",
        H,
        "VACUUM FULL",
        "Rewrites the table under ACCESS EXCLUSIVE.",
        "Use pg_repack, or plain VACUUM.",
    ),
    Rule(
        "ban-cluster",
        H,
        "CLUSTER",
        "Rewrites the table under ACCESS EXCLUSIVE.",
        "Use pg_repack; do not CLUSTER live tables.",
    ),
    Rule(
        "ban-lock-table",
        H,
        "LOCK TABLE",
        "Explicit locks queue behind and block other traffic; ACCESS EXCLUSIVE by default.",
        "Design the migration to need no explicit lock; if unavoidable, set a short lock_timeout.",
    ),
    Rule(
        "require-lock-timeout",
        M,
        "No lock_timeout before a statement that locks out writes",
        "A statement waiting for a lock that conflicts with writes (ACCESS EXCLUSIVE: most ALTER "
        "TABLE, DROP INDEX, DROP VIEW, RENAME; SHARE ROW EXCLUSIVE: a foreign key or trigger, "
        "also on the referenced table such as the busy auth.users) blocks every query queued "
        "behind it; without lock_timeout one long transaction can take the site down.",
        "SET lock_timeout = '5s'; at the top of the file (and retry the migration if it times "
        "out).",
    ),
    Rule(
        "ban-truncate",
        H,
        "TRUNCATE",
        "Deletes all rows (CASCADE: of referencing tables too) under ACCESS EXCLUSIVE.",
        "Delete deliberately in batches, or do data clean-up outside schema migrations.",
    ),
    Rule(
        "delete-without-where",
        H,
        "DELETE without WHERE",
        "Deletes every row of a live table in one long transaction.",
        "Add a WHERE clause; delete in batches.",
    ),
    Rule(
        "update-without-where",
        H,
        "UPDATE without WHERE",
        "Rewrites every row in one transaction, locking them all and bloating the table.",
        "Add a WHERE clause; backfill in batches outside the migration transaction.",
    ),
    Rule(
        "rls-not-enabled",
        H,
        "Table in an exposed schema without row level security",
        "Supabase exposes the `public` schema through its REST API; a table without RLS there "
        "is readable and writable by anyone holding the anon key.",
        "ALTER TABLE ... ENABLE ROW LEVEL SECURITY; and add policies.",
    ),
    Rule(
        "rls-enabled-no-policy",
        L,
        "Row level security enabled but no policy",
        "With RLS on and no policy, the table is invisible to every API role (deny-all). That is "
        "the secure choice for server-only tables, so this is a warning (low) by default; it is "
        "a forgotten CREATE POLICY when clients should see the table (Supabase advisor "
        "rls_enabled_no_policy).",
        "CREATE POLICY for the roles that need access, or leave it deny-all if only "
        "service_role uses it.",
    ),
    Rule(
        "rls-policy-anon-writes-all-rows",
        H,
        "Policy lets anon change or delete every row",
        "A permissive policy FOR UPDATE/DELETE/ALL to anon or public (no TO clause) whose USING "
        "(or, for ALL without USING, WITH CHECK) is `true` lets anyone holding the public anon "
        "key change or delete every row through the API.",
        "Restrict the policy TO authenticated and to the rows the user owns (USING (auth.uid() "
        "= user_id)); write through a server route with service_role if anon must submit.",
    ),
    Rule(
        "rls-policy-anon-inserts-any-row",
        L,
        "Policy lets anon insert any row",
        "FOR INSERT to anon or public WITH CHECK (true) lets anyone with the anon key add rows "
        "of any content. It opens no existing row, and a public form (contact, inquiry, "
        "consent) is built exactly so (two of the real projects in tests/corpus/migrations do), "
        "so it is reported, not blocking by default.",
        "Check what a row may hold (WITH CHECK (status = 'new' AND char_length(body) < 5000)), "
        "rate-limit in front, or insert through a server route.",
    ),
    Rule(
        "security-definer-search-path",
        H,
        "SECURITY DEFINER function without fixed search_path",
        "A SECURITY DEFINER function runs with its owner's rights; with a mutable search_path a "
        "caller can shadow the objects it uses and run code as the owner.",
        "Add SET search_path = '' (and schema-qualify names) to the function definition.",
    ),
    Rule(
        "grant-to-anon",
        H,
        "anon may use a table without RLS or a SECURITY DEFINER function",
        "`anon` is everyone holding the public anon key. Supabase grants anon, authenticated "
        "and service_role on every public table by default (`supabase db diff` restates those "
        "grants), and RLS policies are what restrict them; so a grant is judged by what it "
        "opens: a table that has no row level security after the last migration, or a "
        "SECURITY DEFINER function (it runs with its owner's rights, past RLS).",
        "ENABLE ROW LEVEL SECURITY on the table (and add policies), or REVOKE the grant; make "
        "the function SECURITY INVOKER or revoke EXECUTE from anon and public.",
    ),
    Rule(
        "prefer-text-field",
        L,
        "varchar(n) column",
        "Changing the length limit later needs an ACCESS EXCLUSIVE lock (and maybe a rewrite).",
        "Use text, with a CHECK (char_length(col) <= n) constraint if a limit is needed.",
    ),
    Rule(
        "transaction-nesting",
        L,
        "BEGIN/COMMIT inside a migration file",
        "The Supabase CLI runs each file in its own transaction; a COMMIT inside the file ends "
        "that transaction early, so a later failure leaves the file half applied (squawk "
        "transaction-nesting).",
        "Drop the BEGIN/COMMIT: the file is already one transaction.",
    ),
    Rule(
        "identifier-too-long",
        L,
        "Identifier longer than 63 bytes",
        "PostgreSQL silently truncates names to 63 bytes (NAMEDATALEN - 1): two long names can "
        "collide, and the name in the catalog is not the one in the file (squawk "
        "identifier-too-long).",
        "Use a name of at most 63 bytes.",
    ),
    Rule(
        "prefer-bigint-over-int",
        L,
        "32-bit integer primary key",
        "An int/serial primary key runs out at 2,147,483,647; changing it later rewrites the "
        "table and every referencing key under ACCESS EXCLUSIVE (squawk prefer-bigint-over-int).",
        "Use bigint (bigint GENERATED ALWAYS AS IDENTITY) or uuid.",
    ),
    Rule(
        "prefer-robust-stmts",
        L,
        "Non-idempotent statement in a file that cannot run in a transaction",
        "A file with CONCURRENTLY runs statement by statement; when it fails part way the "
        "retry fails on what the first attempt already did (squawk prefer-robust-stmts).",
        "Use IF NOT EXISTS / IF EXISTS (and drop an INVALID index left by a failed "
        "CREATE INDEX CONCURRENTLY before retrying).",
    ),
    Rule(
        "require-statement-timeout",
        L,
        "Long statement under lock without statement_timeout",
        "A statement that scans or rewrites an existing table while holding a lock that blocks "
        "traffic runs as long as the table is big; a statement_timeout bounds the outage "
        "(squawk require-statement-timeout, judged only for such statements).",
        "SET statement_timeout = '…'; before it (or use the non-blocking form the other "
        "finding names).",
    ),
)

INVENTORY_RULES: tuple[Rule, ...] = (
    Rule(
        "migration-name-invalid",
        H,
        "Migration file name not accepted by the Supabase CLI",
        "The CLI only applies files named `<digits>_<name>.sql` and silently skips the rest.",
        "Rename to `<YYYYMMDDHHMMSS>_<name>.sql` (`supabase migration new <name>`).",
    ),
    Rule(
        "migration-version-not-timestamp",
        L,
        "Migration version is not a 14-digit timestamp",
        "The convention is a UTC `YYYYMMDDHHMMSS`; other versions sort surprisingly.",
        "Use `supabase migration new <name>`, which writes a UTC timestamp.",
    ),
    Rule(
        "migration-duplicate-version",
        H,
        "Two migrations share a version",
        "The history table keys on the version: the second file is never applied.",
        "Give one of them a new timestamp.",
    ),
    Rule(
        "migration-out-of-order",
        H,
        "New migration older than the newest applied one",
        "Environments that applied the newer migrations refuse (or skip) the older one: "
        "`supabase db push` stops with 'Expected version X but found migration Y'.",
        "Rename the new migration to a timestamp after the newest locked migration.",
    ),
    Rule(
        "migration-changed",
        C,
        "An applied migration was edited",
        "Environments that already applied it will never run the edit; schemas diverge.",
        "Revert the edit and write a new migration with the change.",
    ),
    Rule(
        "migration-vanished",
        C,
        "An applied migration was deleted or renamed",
        "Environments that applied it keep its changes; fresh ones do not; history diverges.",
        "Restore the file; undo its changes in a new migration instead.",
    ),
    Rule(
        "lock-rewritten",
        C,
        "The lock file was rewritten against the base branch",
        "The lock records what is already applied somewhere. A change that removes or re-hashes a "
        "locked entry (an applied migration was edited, then `gates migrations lock` re-run) "
        "hides exactly the edit the lock exists to catch.",
        "Restore the lock entries from the base branch and revert the edit of the applied "
        "migration; put the change in a new migration.",
    ),
    Rule(
        "rollback-missing",
        H,
        "Migration without a rollback file",
        "This project's convention: every migration has `<down dir>/<same name>.sql` so a "
        "release can be rolled back (Supabase has no down migrations).",
        "Write the rollback file that restores the schema from before the migration.",
    ),
    Rule(
        "rollback-orphan",
        L,
        "Rollback file without a migration",
        "A rollback whose migration does not exist is probably misnamed.",
        "Rename it to the migration's file name, or delete it.",
    ),
)

DRY_RUN_RULES: tuple[Rule, ...] = (
    Rule(
        "dry-run-apply-failed",
        C,
        "Migration fails on a real PostgreSQL",
        "The dry run applied the migrations in order on a throwaway database and this one failed.",
        "Fix the migration; reproduce with `supabase db reset` locally.",
    ),
    Rule(
        "dry-run-rollback-failed",
        H,
        "Rollback fails on a real PostgreSQL",
        "Applying the rollback file after the migration raised an error.",
        "Fix the rollback so it runs right after its migration.",
    ),
    Rule(
        "dry-run-rollback-mismatch",
        H,
        "Rollback does not restore the schema",
        "After the rollback the schema differs from the schema before the migration.",
        "Make the rollback undo everything the migration does (see the schema diff).",
    ),
    Rule(
        "dry-run-reapply-failed",
        H,
        "Migration fails when re-applied after its rollback",
        "up -> down -> up must work; a leftover object makes the second apply fail or differ.",
        "Make the rollback remove everything the migration creates.",
    ),
    Rule(
        "dry-run-blocked-traffic",
        H,
        "Migration blocked live traffic longer than max_blocked",
        "While the migration applied on populated tables, probe queries (a reader and a writer "
        "per touched table) waited for its lock longer than `probe.max_blocked`: in production "
        "requests on that table would queue for as long.",
        "Use the non-blocking form the lint rule names (CONCURRENTLY in its own file, NOT VALID "
        "then VALIDATE, add nullable then backfill in batches), and set lock_timeout.",
    ),
)

INTEGRITY_RULES = frozenset(
    {
        "syntax-error",
        "migration-changed",
        "migration-vanished",
        "lock-rewritten",
        "dry-run-apply-failed",
        "dry-run-rollback-failed",
        "dry-run-rollback-mismatch",
        "dry-run-reapply-failed",
    }
)
"""Not lint opinions but broken evidence: a file that does not parse, an edited or vanished
applied migration, a dry run that failed. They block whatever ``fail_on``, and ``lint: {disable,
warn}`` cannot name them."""
RULES: tuple[Rule, ...] = tuple(
    replace(rule, always_blocks=rule.id in INTEGRITY_RULES)
    for rule in LINT_RULES + INVENTORY_RULES + DRY_RUN_RULES
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
LINT_RULE_IDS: frozenset[str] = frozenset(rule.id for rule in LINT_RULES)
