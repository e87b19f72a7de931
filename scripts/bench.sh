#!/usr/bin/env bash
# Run every benchmark in bench/ on a fresh SQLite database (or DATABASE_URL if set).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/privacy-confirm-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export DJANGO_SETTINGS_MODULE=privacy_confirm.settings DEBUG=on SECRET_KEY=bench
export DATABASE_URL=${DATABASE_URL:-sqlite:///$work/bench.sqlite3} EMAIL_FILE_PATH=$work/mail
unset REDIS_URL CELERY_BROKER_URL
.venv/bin/python manage.py migrate --no-input >/dev/null
for script in bench/*.py; do
  echo "== $script"
  .venv/bin/python "$script"
done
