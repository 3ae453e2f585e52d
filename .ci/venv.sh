#!/usr/bin/env bash
# The Python tools of the checks, in a virtualenv outside the clone (created or updated here):
# schemathesis (against-apps.sh) and aiosmtpd (the SMTP test). Prints the virtualenv's path.
set -euo pipefail

VENV="${AUTHKIT_CI_VENV:-/var/tmp/authkit-venv}"
SCHEMATHESIS_VERSION=4.32.5
AIOSMTPD_VERSION=1.4.6

if [ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ] ||
    [ "$("$VENV/bin/python" -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null)" != "$AIOSMTPD_VERSION" ]; then
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" >&2
fi
echo "$VENV"
