# Shared by scripts/run and scripts/test (sourced, not run): the project's virtualenv.
# Creates .venv with python3 (3.11 or newer) when missing and installs requirements.txt whenever it changed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: $python must be Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    return 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "creating virtualenv in .venv ..." >&2
    "$python" -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha256"
  local wanted
  wanted="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "installing requirements.txt into .venv ..." >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt"
    echo "$wanted" > "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
  export VIRTUAL_ENV="$VENV"
}
