#!/usr/bin/env bash
# Start a local PostgreSQL (loopback only) for the tests and print its URL on the last line.
# PostgreSQL refuses to run as root: the cluster runs as the postgres user.
set -euo pipefail
version=15
port=${VIGIE_PG_PORT:-5432}
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main -p "$port" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="'$version'" && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start -o "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
actual_port=$(pg_lsclusters -h | awk '$1=="'$version'" && $2=="main" {print $3}')
run_psql() { su postgres -c "psql -p $actual_port -qtA -v ON_ERROR_STOP=1 $*"; }
for _ in $(seq 1 30); do run_psql "-c 'select 1'" >/dev/null 2>&1 && break; sleep 1; done
if [ "$(run_psql "-c \"select 1 from pg_roles where rolname='vigie'\"")" != "1" ]; then
  run_psql "-c \"create role vigie login superuser password 'vigie'\""
fi
if [ "$(run_psql "-c \"select 1 from pg_database where datname='vigie'\"")" != "1" ]; then
  run_psql "-c 'create database vigie owner vigie'"
fi
echo "postgresql+psycopg://vigie:vigie@127.0.0.1:$actual_port/vigie"
