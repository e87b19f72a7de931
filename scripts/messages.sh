#!/usr/bin/env bash
# Update and compile the gettext catalogues: the project's (locale/) and each app's own.
# Then fill in the new nb entries and run it again to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PY=$root/.venv/bin/python
export DEBUG=on DJANGO_SETTINGS_MODULE=privacy_confirm.settings PYTHONPATH=$root
apps=(contacts privacy_confirm/confirmations privacy_confirm/customer_centre privacy_confirm/webforms)
ignores=(--ignore=.venv --ignore=var --ignore=bench --ignore=conftest.py)
for app in "${apps[@]}"; do ignores+=(--ignore="$app"); done
$PY -P -m django makemessages -l nb -l en --no-obsolete "${ignores[@]}" >/dev/null
for app in "${apps[@]}"; do
  # -P: an app's selectors.py must not stand in for Python's own `selectors` module.
  (cd "$app" && $PY -P -m django makemessages -l nb -l en --no-obsolete >/dev/null)
done
$PY -P -m django compilemessages --ignore=.venv >/dev/null
for app in "${apps[@]}"; do (cd "$app" && $PY -P -m django compilemessages >/dev/null); done
grep -l 'fuzzy' locale/*/LC_MESSAGES/django.po */locale/*/LC_MESSAGES/django.po */*/locale/*/LC_MESSAGES/django.po 2>/dev/null \
  && echo "some entries are fuzzy: check them" || true
echo "catalogues updated and compiled"
