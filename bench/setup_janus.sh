#!/usr/bin/env bash
# What bench/janus_side_by_side.py needs beyond scripts/bootstrap.sh: Debian's Janus (1.1.2 on
# Debian 12), with its streaming plugin and HTTP transport. Only installs what is missing.
set -euo pipefail
if ! dpkg-query -W -f='${Status}' janus 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends janus >/dev/null
fi
# the package starts a system service; the bench runs its own instance with its own config
if command -v systemctl >/dev/null && systemctl is-active --quiet janus 2>/dev/null; then
  $SUDO systemctl stop janus || true
fi
echo "janus $(dpkg-query -W -f='${Version}' janus)"
