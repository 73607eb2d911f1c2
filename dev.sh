#!/usr/bin/env bash
# mpwatch developer entry: ./dev.sh app | test [pytest args…] | setup
# Creates .venv once (and again whenever pyproject.toml changes), then launches the app or the tests.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP="$VENV/.mpwatch-installed"

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e '.[test]'
    echo "$want" > "$STAMP"
  fi
  # Where Python runs with PYTHONDONTWRITEBYTECODE=1 (as on our CI machines), every process, each
  # spawned worker too, would compile our modules from source again (~0.1 s each). Compile them
  # once; sources not changed since are skipped.
  "$VENV/bin/python" -m compileall -q engine gui main.py tests benchmarks >/dev/null
}

cmd=${1:-app}
shift || true
case "$cmd" in
  setup)
    setup
    ;;
  app)
    setup
    exec "$VENV/bin/python" main.py "$@"
    ;;
  test)
    setup
    "$VENV/bin/lint-imports"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    exec env QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh app | test [pytest args…] | setup" >&2
    exit 2
    ;;
esac
