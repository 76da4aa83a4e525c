#!/usr/bin/env bash
# The one test command: installs what is missing, then lint, types and the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
. .venv/bin/activate
echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy
echo "== pytest"
set +e
# two workers (the CI machine's two cores): most tests wait on servers, cameras and browsers,
# so two at a time take ~0.57x the time of one (README); a file's tests (and its
# module fixtures) stay on one worker. VMS_TEST_WORKERS=0 runs them in this one process.
python -m pytest -q -p no:cacheprovider --durations=25 \
  -n "${VMS_TEST_WORKERS:-2}" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing the run" >&2
  exit 1
fi
exit "$rc"
