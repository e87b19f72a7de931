#!/usr/bin/env bash
# Set up and run the application on embedded defaults: SQLite, tasks in-process, email
# written to var/mail/. With REDIS_URL set (in the environment or .env), a Celery worker
# and beat run beside the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --no-input
$PY manage.py seed_demo
redis_url=${REDIS_URL:-$(grep -E '^REDIS_URL=' .env 2>/dev/null | cut -d= -f2- || true)}
pids=()
if [ -n "$redis_url" ]; then
  .venv/bin/celery -A privacy_confirm worker --beat --loglevel=INFO --concurrency=2 &
  pids+=($!)
  trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
fi
echo
echo "  privacy-confirm is running: http://127.0.0.1:8000/"
echo "  Log in as: staff / staff-demo-password   (administrator: admin / admin-demo-password)"
echo "  Emails are written to var/mail/ (EMAIL_BACKEND decides)."
echo
$PY manage.py runserver 127.0.0.1:8000
