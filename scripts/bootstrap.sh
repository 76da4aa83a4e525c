#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine of this kind:
# Debian packages (GStreamer's RTSP server and webrtcbin, ffmpeg, Chromium) when missing, then a
# virtual environment in .venv with this project and its Python dependencies, and the npm
# packages of the werift interop client (npm ci, from its lock file).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi
  gstreamer1.0-nice python3-gst-1.0 gir1.2-gst-plugins-bad-1.0 gir1.2-nice-0.1
  ffmpeg chromium
  fonts-thai-tlwg poppler-utils
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages into .venv"
  .venv/bin/python -m pip install -q -c constraints.txt --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The werift WHEP viewer of the interop tests (tests/peers/node_whep): exact versions from its
# package-lock.json, installed once here; the tests never download.
NODE_CLIENT=tests/peers/node_whep
node_stamp=$NODE_CLIENT/node_modules/.installed-$(sha1sum <"$NODE_CLIENT/package-lock.json" | cut -c1-12)
if [ ! -f "$node_stamp" ]; then
  if command -v npm >/dev/null; then
    echo "bootstrap: npm ci in $NODE_CLIENT"
    (cd "$NODE_CLIENT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    touch "$node_stamp"
  else
    echo "bootstrap: npm missing: the werift interop tests (tests/peers/test_node_whep.py) will fail"
  fi
fi
