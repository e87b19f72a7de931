#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, run the whole suite on PostgreSQL
# with a real Redis, real Celery workers and Chromium, then the unit tests on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
start=$(date +%s)

need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v msgfmt >/dev/null || need+=(gettext)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The Debian packages may start their own services; ours run on their own ports.

make --no-print-directory .venv/.installed

state=$(mktemp -d /tmp/privacy-confirm-test.XXXXXX)
cleanup() { bash scripts/test-services.sh stop "$state"; rm -rf "$state"; }
trap cleanup EXIT
eval "export $(bash scripts/test-services.sh start "$state" | tr '\n' ' ')"
# The broker gets its own Redis database: tests empty the cache (rate-limit counters)
# between tests, which must never take queued tasks with it.
export CELERY_BROKER_URL="${REDIS_URL%/0}/1" CELERY_RESULT_BACKEND="${REDIS_URL%/0}/1"
echo "Services: $DATABASE_URL, cache $REDIS_URL, broker $CELERY_BROKER_URL"

if [ -z "${SKIP_LINT:-}" ]; then
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
fi

run_pytest() {
  set +e
  .venv/bin/python -m pytest "$@"
  code=$?
  set -e
  if [ $code -eq 5 ]; then echo "pytest collected no tests"; return 1; fi
  return $code
}

echo "== Whole suite on PostgreSQL + Redis + Celery workers + Chromium"
# PYTEST_ARGS narrows a run by hand (e.g. a path); CI leaves it empty.
REQUIRE_SERVICES=1 run_pytest -q ${PYTEST_ARGS:-}

echo "== Unit tests on SQLite"
env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND .venv/bin/python -c "print('unit run: SQLite, eager tasks')"
env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND bash -c "$(declare -f run_pytest); run_pytest -q -m 'not integration and not browser' ${PYTEST_ARGS:-}"

echo "== make test took $(( $(date +%s) - start ))s"
