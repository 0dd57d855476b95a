#!/bin/sh
# The portal's two database roles (README, "Database roles"), created idempotently:
#   owner (DB_OWNER, default photocapture_owner): owns the database, schema, tables, functions; runs migrations;
#   app   (DB_APP,   default photocapture_app):   owns nothing; `manage.py grant_app_role` gives it its rights.
# Run as a superuser (psql's usual PG* variables say where). docker-compose runs it on the first start
# of the postgres volume; .ci/run before every test run.
set -eu
DB_NAME="${DB_NAME:-photocapture}"
DB_OWNER="${DB_OWNER:-photocapture_owner}"
DB_APP="${DB_APP:-photocapture_app}"

psql -v ON_ERROR_STOP=1 -q --dbname "$DB_NAME" \
  -v db="$DB_NAME" -v owner="$DB_OWNER" -v app="$DB_APP" \
  -v owner_password="${DB_OWNER_PASSWORD:-}" -v app_password="${DB_APP_PASSWORD:-}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password') WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_password') WHERE :'app_password' <> '' \gexec
ALTER ROLE :"owner" NOSUPERUSER;
ALTER ROLE :"app" NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER DATABASE :"db" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Objects made before these roles existed (a database once migrated as a superuser) go to the owner,
-- so the owner can migrate them and the app role cannot alter them.
SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> :'owner' \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner' \gexec
SQL
