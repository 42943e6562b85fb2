#!/usr/bin/env bash
# Point sqlmap (Debian's package) at a throwaway local instance: the sign-in form, the
# journal list's page parameter, the new-entry form, an entry's URL, the new dosing
# session form and the printable export's dates. Level 1, risk 1, each target bounded in time, and only ever
# 127.0.0.1. Not part of `make test`; the last run's result is in the README.
#
#   scripts/sqlmap.sh            # PORT=5099 by default; SQLMAP_TIMEOUT=300 per target
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-5099}
LIMIT=${SQLMAP_TIMEOUT:-300}
BASE="http://127.0.0.1:$PORT"
BIN=.venv/bin

if ! command -v sqlmap >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]]; then apt-get install -y -qq sqlmap >/dev/null
  else echo "sqlmap is missing: sudo apt-get install sqlmap" >&2; exit 2; fi
fi
[[ -x $BIN/gunicorn ]] || make install >/dev/null

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export JOURNAL_ENV=development FLASK_APP=journal RATELIMIT_ENABLED=0
export SECRET_KEY=$($BIN/python -c 'import secrets; print(secrets.token_hex(32))')
export JOURNAL_PEPPER=p1:$($BIN/python -c 'import secrets; print(secrets.token_hex(32))')
export DATABASE_URL="sqlite:///$work/journal.sqlite3" MAIL_BACKEND=outbox MAIL_OUTBOX_DIR="$work/outbox"
EMAIL=probe@example.com PASSWORD=lantern-meadow-copper-harbor-17

$BIN/flask db upgrade >/dev/null 2>&1
$BIN/python - "$EMAIL" "$PASSWORD" <<'PY'
import sys
from journal import create_app
from journal.models.users import Role
from journal.services import accounts, entries
from journal.services.entries import EntryForm
with create_app().app_context():
    made = accounts.create_user(sys.argv[1], sys.argv[2], Role.PATIENT)
    entries.create_entry(made.user, made.udk, EntryForm(title="Probe", body="A line to find."))
PY

$BIN/gunicorn --workers 2 --bind "127.0.0.1:$PORT" 'journal:create_app()' >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

jar="$work/cookies.txt"
token() { curl -s -b "$jar" -c "$jar" "$BASE$1" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }
login_token=$(token /login)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=$EMAIL" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$login_token" "$BASE/login"
entry=$(curl -s -b "$jar" "$BASE/journal/" | sed -n 's/.*id="entry-\([0-9a-f-]\{36\}\)".*/\1/p' | head -1)
journal_token=$(token /journal/)
[[ -n $entry && -n $journal_token ]] || { echo "could not log in to the local instance" >&2; exit 2; }
cookie=$(awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}' "$jar")

run() {  # run NAME SQLMAP-ARGS...: one bounded sqlmap run, its verdict appended to the summary
  local name=$1; shift
  local log="$work/$name.log"
  timeout "$LIMIT" sqlmap --batch --level=1 --risk=1 --flush-session --disable-coloring \
    --output-dir="$work/sqlmap" --threads=1 "$@" >"$log" 2>&1 || true
  if grep -qiE "is vulnerable|appears to be injectable|sqlmap identified the following injection" "$log"; then
    echo "$name: INJECTABLE"; grep -iE "injectable|Parameter:" "$log" | head -5; return 1
  elif grep -q "all tested parameters do not appear to be injectable" "$log"; then
    echo "$name: no injection found"
  else
    echo "$name: inconclusive (see below)"; grep -E "WARNING|CRITICAL|ERROR" "$log" | tail -8
  fi
}

status=0
echo "sqlmap $(sqlmap --version 2>/dev/null | head -1) against $BASE, level 1, risk 1, ${LIMIT}s per target"
run sign-in -u "$BASE/login" --data "email=probe%40example.com&password=x&csrf_token=t" \
  -p email,password --csrf-token=csrf_token --csrf-url="$BASE/login" || status=1
run journal-page -u "$BASE/journal/?page=1" -p page --cookie="$cookie" || status=1
# The CSRF token stays valid for the whole signed-in session, so it is sent as it is.
run new-entry -u "$BASE/journal/" --data "title=t&body=b&csrf_token=$journal_token" -p title,body \
  --cookie="$cookie" || status=1
run entry-url -u "$BASE/journal/$entry*" --cookie="$cookie" || status=1
run new-session -u "$BASE/sessions/" --cookie="$cookie" -p notes,dose,series_position \
  --data "status=planned&date=2031-01-06&time=10:00&route=iv&setting=clinic&series=induction&series_position=1&series_total=6&dose=&notes=n&csrf_token=$journal_token" \
  || status=1
run print-dates -u "$BASE/settings/export/print?start=2026-01-01&end=2026-12-31" -p start,end \
  --cookie="$cookie" || status=1
if grep -q "Traceback" "$work/server.log"; then echo "the server logged a traceback:"; grep -A5 Traceback "$work/server.log" | head -20; status=1; fi
exit $status
