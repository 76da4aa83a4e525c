#!/usr/bin/env bash
# The one demo command: installs what is missing, then runs the server with simulated
# cameras on the embedded defaults (SQLite file under var/, in-process state, no Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/vms demo "$@"
