# Sourced by the other scripts: makes .venv and installs the requirements when they change.
# Needs only python3 (and, on Debian/Ubuntu without python3-venv, root to install it).
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  echo "==> creating the virtual environment (.venv)"
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "==> installing python3-venv (Debian/Ubuntu ship python3 without it)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv .venv
    else
      echo "error: $PYTHON cannot create a virtual environment; run: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi

# Reinstall only when a requirements file changed.
requirements=${REQUIREMENTS:-requirements.txt}
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$requirements")"
if [ ! -f "$stamp" ]; then
  echo "==> installing $requirements"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$requirements"
  touch "$stamp"
fi
