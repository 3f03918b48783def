# Shared by scripts/run and scripts/test (sourced, not run): the project's virtualenv.
# Creates .venv with python3 (3.11 or newer) when missing and installs the requirement files whenever
# they changed: requirements.txt for scripts/run, requirements-dev.txt (tests, benchmarks) on top.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
  # Arguments: the requirement files to install (default requirements.txt); requirements-dev.txt
  # includes requirements.txt.
  local files=("${@:-requirements.txt}")
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: $python must be Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    return 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "creating virtualenv in .venv ..." >&2
    "$python" -m venv "$VENV"
  fi
  # One stamp per set of files, holding the hash of what was last installed from them.
  local stamp="$VENV/.installed-$(printf '%s' "${files[*]}" | tr ' /' '+_').sha256"
  local wanted
  wanted="$(cd "$ROOT" && cat requirements.txt "${files[@]}" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "installing ${files[*]} into .venv ..." >&2
    local args=()
    for file in "${files[@]}"; do args+=(-r "$ROOT/$file"); done
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}"
    echo "$wanted" > "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
  export VIRTUAL_ENV="$VENV"
}

ensure_chromium() {
  # The console's browser tests drive Debian's Chromium through Playwright (Playwright's own browser
  # download cannot work on a closed network), with CJK fonts for the Chinese pages. Installs both
  # with apt-get when missing (as root, or through sudo). CHROMIUM=/path/to/chromium uses another one.
  if [ -n "${CHROMIUM:-}" ]; then
    [ -x "$CHROMIUM" ] || { echo "error: CHROMIUM=$CHROMIUM is not an executable" >&2; return 1; }
    return 0
  fi
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  # (not `fc-list | grep -q`: under pipefail, fc-list killed by the early exit would count as missing)
  grep -q "Noto Sans CJK" < <(fc-list 2>/dev/null) || missing+=(fonts-noto-cjk)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "error: install ${missing[*]} (the console's browser tests need them), or set CHROMIUM" >&2
    return 1
  fi
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  echo "installing ${missing[*]} with apt-get ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
    || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}
