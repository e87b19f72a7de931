#!/usr/bin/env bash
# Update and compile the gettext catalogues: the project's (locale/) and each app's own.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
for dir in . contacts privacy_confirm/confirmations privacy_confirm/customer_centre privacy_confirm/webforms; do
  [ -d "$dir/locale" ] || continue
  if [ "$dir" = "." ]; then
    (cd "$dir" && $PY manage.py makemessages -l nb -l en --no-obsolete --ignore=.venv --ignore=contacts --ignore=privacy_confirm/confirmations --ignore=privacy_confirm/customer_centre --ignore=privacy_confirm/webforms --ignore=var >/dev/null)
  else
    (cd "$dir" && DJANGO_SETTINGS_MODULE=privacy_confirm.settings DEBUG=on PYTHONPATH=$OLDPWD $PY -m django makemessages -l nb -l en --no-obsolete >/dev/null)
  fi
done
$PY manage.py compilemessages --ignore=.venv >/dev/null
echo "catalogues updated and compiled"
