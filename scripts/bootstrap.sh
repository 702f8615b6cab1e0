#!/usr/bin/env bash
# Bring a fresh Debian machine to the state `make demo` / `make test` need:
# uv, the locked Python environment, and the Debian packages (when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: barcode decoding (libzbar0), CJK fonts for documents and screenshots,
# OpenCV runtime for OCR, Chromium for page tests, PostgreSQL for the API's production path.
DEB_PACKAGES=(libzbar0 fonts-noto-cjk libgl1 libglib2.0-0 chromium postgresql)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing Debian packages; run as root:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv from PyPI"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi

# compiled once here: where PYTHONDONTWRITEBYTECODE is set (this machine's shells) every process would
# otherwise recompile what it imports — 7.9 s of CPU to import GX instead of 3.3 s
uv sync --frozen --quiet --compile-bytecode

# Superset lives in its own virtualenv (it pins sqlalchemy<2, pandas<2.2, duckdb<2): ~700 MB, pinned by
# dashboards/requirements.lock; a no-op when the venv already matches the lock.
uv run --frozen --quiet python -m dashboards.service install

# The web front end (web/): npm ci from the committed lock, then vite build into web/dist (served at /).
# Skipped when web/dist/index.html (written first) is newer than every source file and the lock, and the
# office build (written last) is there.
if [ -z "$(find web/package.json web/package-lock.json web/index.html web/office.html web/vite.config.js web/src web/public -newer web/dist/index.html 2>/dev/null | head -1)" ] \
   && [ -f web/dist/index.html ] && [ -f web/dist/office.html ]; then
  :
else
  if ! command -v npm >/dev/null 2>&1; then
    echo "bootstrap: npm missing (Node 20+); run as root: apt-get install -y nodejs npm"
    exit 1
  fi
  echo "bootstrap: building the web front end (npm ci, npm run build in web/)"
  # npm ci only when the installed tree is older than the lock (it wipes node_modules: ~40 s)
  if [ ! web/node_modules/.package-lock.json -nt web/package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd web && npm run build --silent >/dev/null)
fi
