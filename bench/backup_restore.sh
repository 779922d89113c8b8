#!/usr/bin/env bash
# Backup and restore for PartyBuild (README.md, "Backup and restore"): the PostgreSQL database (pg_dump,
# custom format) plus the evidence folder (佐证材料, EVIDENCE_ROOT).
#
#   bench/backup_restore.sh backup  DIR                     # writes DIR/db-STAMP.dump and DIR/evidence-STAMP.tar.gz
#   bench/backup_restore.sh restore DUMP TARBALL TARGET_URL [EVIDENCE_DIR]
#                                                           # into an EMPTY database; evidence into EVIDENCE_DIR
#   bench/backup_restore.sh selftest                        # backup, restore into a fresh database, compare
#
# selftest asserts that every table has the same number of rows in the restored database and that the
# evidence files come back byte for byte; it exits non-zero otherwise. It uses DATABASE_URL as the source
# (default postgres://postgres@127.0.0.1:5432/partybuild_backup_src, built with the demo data when empty).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EVIDENCE_ROOT=${EVIDENCE_ROOT:-var/evidence}

table_counts() {  # URL -> "table count" lines, sorted
  local url=$1
  psql "$url" -At -c "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" |
    while read -r table; do
      echo "$table $(psql "$url" -At -c "SELECT count(*) FROM \"$table\"")"
    done
}

backup() {
  local dir=$1 stamp
  stamp=$(date +%Y%m%d-%H%M%S)
  mkdir -p "$dir"
  pg_dump --format=custom --no-owner --file "$dir/db-$stamp.dump" "$DATABASE_URL"
  mkdir -p "$EVIDENCE_ROOT"
  tar -czf "$dir/evidence-$stamp.tar.gz" -C "$EVIDENCE_ROOT" .
  echo "$dir/db-$stamp.dump $dir/evidence-$stamp.tar.gz"
}

restore() {
  local dump=$1 tarball=$2 target=$3 evidence=${4:-$EVIDENCE_ROOT}
  pg_restore --no-owner --exit-on-error --dbname "$target" "$dump"
  mkdir -p "$evidence"
  tar -xzf "$tarball" -C "$evidence"
}

selftest() {
  export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/partybuild_backup_src}
  # Its own evidence folder, so that the demo's files do not mix with a developer's.
  export EVIDENCE_ROOT=${SELFTEST_EVIDENCE_ROOT:-var/backup-selftest/evidence}
  local base=${DATABASE_URL%/*} source_db=${DATABASE_URL##*/} target_db target
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  local work=$WORK
  psql "$base/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$source_db'" | grep -q 1 ||
    psql "$base/postgres" -qc "CREATE DATABASE \"$source_db\""
  DEBUG=1 "$PY" manage.py migrate --noinput >/dev/null
  DEBUG=1 "$PY" manage.py seed_demo --if-empty >/dev/null
  DEBUG=1 "$PY" manage.py verify_audit

  read -r dump tarball < <(backup "$work")
  target_db="partybuild_restore_$(date +%s)"
  target="$base/$target_db"
  psql "$base/postgres" -qc "CREATE DATABASE \"$target_db\""
  restore "$dump" "$tarball" "$target" "$work/evidence"

  table_counts "$DATABASE_URL" >"$work/before"
  table_counts "$target" >"$work/after"
  local status=0
  if ! diff -u "$work/before" "$work/after"; then
    echo "FAIL: row counts differ after restore" >&2
    status=1
  fi
  if ! diff -r "$EVIDENCE_ROOT" "$work/evidence" >/dev/null; then
    echo "FAIL: evidence files differ after restore" >&2
    status=1
  fi
  # The restored audit log must still verify: a backup is only as good as its audit trail.
  DEBUG=1 DATABASE_URL="$target" "$PY" manage.py verify_audit || status=1
  psql "$base/postgres" -qc "DROP DATABASE \"$target_db\""
  if [ $status -eq 0 ]; then
    echo "OK: $(wc -l <"$work/before") tables, $(awk '{s+=$2} END {print s}' "$work/before") rows and" \
      "$(find "$EVIDENCE_ROOT" -type f | wc -l) evidence files restored identically."
  fi
  return $status
}

case "${1:-}" in
  backup) backup "${2:?backup DIR}" ;;
  restore) restore "${2:?DUMP}" "${3:?TARBALL}" "${4:?TARGET_URL}" "${5:-}" ;;
  selftest) selftest ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
