#!/usr/bin/env bash
# The installed package is the product (README, "Deploying"): build the wheel from the tracked files, install
# it into a clean virtualenv (no editable install, no source checkout on sys.path) and, from another
# directory, with the environment README documents for production:
#   (a) render a reminder e-mail (subject and body) and check that it is in Chinese;
#   (b) run the deploy check, `django-admin check --deploy --fail-level WARNING`.
# Usage: .ci/installed_package_check.sh [SOURCE_DIR]   (default: this checkout)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "${1:-$here/..}" && pwd)"
work="$(mktemp -d -t partybuild-installed-XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "== installed package: wheel from $src"
mkdir -p "$work/src" "$work/dist"
# Only what git tracks goes into the wheel, as in a release; the checkout is left untouched (no build/ in it).
git -C "$src" ls-files -z | (cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$work/src"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" "$work/src"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work/dist"/partybuild-*.whl
rm -rf "$work/src"  # nothing may be read from the sources any more

mkdir -p "$work/elsewhere" "$work/var"
cd "$work/elsewhere"
# The production environment of README ("Deploying", item 2); local values where a server would be reached.
env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work" LANG=C.UTF-8 \
  DJANGO_SETTINGS_MODULE=partybuild.settings \
  DEBUG=0 \
  VAR_DIR="$work/var" \
  SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  AUDIT_CHAIN_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" \
  ALLOWED_HOSTS=party.intranet.example \
  CSRF_TRUSTED_ORIGINS=https://party.intranet.example \
  SITE_URL=https://party.intranet.example \
  DATABASE_URL="sqlite:///$work/var/partybuild.sqlite3" \
  CELERY_BROKER_URL=redis://127.0.0.1:6379/11 \
  EMAIL_URL=smtp+tls://user:pw@mail.intranet.example:587 \
  EVIDENCE_ROOT="$work/evidence" \
  bash -c '
    set -euo pipefail
    echo "== (a) a reminder e-mail from the installed package"
    python "$0"
    echo "== (b) django-admin check --deploy --fail-level WARNING"
    django-admin check --deploy --fail-level WARNING
  ' "$here/installed_package_check.py"
echo "== installed package: OK"
