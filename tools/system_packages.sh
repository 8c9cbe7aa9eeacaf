#!/usr/bin/env bash
# The Debian packages the console needs, checked in one place: `make run`, `make test` and `.ci/run` call
# this script. As root it installs what is missing; otherwise it prints the one command to run and exits 1,
# so nobody starts a half-working console (Chinese names as boxes, a blank map, a codec without its speedups).
#
# Usage: tools/system_packages.sh run|test [--quiet]
#   run   what the console itself needs: Qt and QtWebEngine libraries, a CJK font, a C compiler
#   test  the same, plus a real X server with the dummy driver (the monitor unplug test) and poppler-utils
# Set SKIP_SYSTEM_PACKAGES=1 to skip the check (a non-Debian machine whose packages you manage yourself).
set -euo pipefail

what="${1:-run}"
quiet="${2:-}"

# Libraries Qt (QtGui, QtWidgets, QtWebEngine) needs on the offscreen platform and on a real X display.
QT="libglib2.0-0 libegl1 libgl1 libx11-6 libxkbcommon0 libfreetype6 libfontconfig1 libnss3 libnspr4 libgbm1
libxcb-dri3-0 libxcomposite1 libxdamage1 libxext6 libxfixes3 libxrandr2 libxtst6 libdbus-1-3 libexpat1
libxcb1 libasound2 libudev1 libxkbfile1
libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0 libxcb-shape0
libxcb-util1 libxkbcommon-x11-0 libx11-xcb1 libxcb-randr0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1"
# Without a CJK font every Chinese name on the wall renders as empty boxes.
FONTS="fonts-noto-cjk"
# A C compiler for the HJ 212 codec's speedups (tools/build_speedups.py); Python's headers come with Python.
BUILD="gcc libc6-dev"
# Tests only: a real X server with the dummy driver (monitor unplug/replug), pdftoppm for report pages.
TEST="xserver-xorg-core xserver-xorg-video-dummy x11-xserver-utils poppler-utils"

case "$what" in
  run) PKGS="$QT $FONTS $BUILD" ;;
  test) PKGS="$QT $FONTS $BUILD $TEST" ;;
  *) echo "usage: $0 run|test [--quiet]" >&2; exit 2 ;;
esac

if [ "${SKIP_SYSTEM_PACKAGES:-0}" = "1" ]; then exit 0; fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  [ "$quiet" = "--quiet" ] || echo "Not a Debian system: install Qt 6's libraries, a CJK font and gcc yourself" \
    "(see tools/system_packages.sh), then set SKIP_SYSTEM_PACKAGES=1." >&2
  exit 0
fi

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != "0" ]; then
  echo "The console needs these system packages, which are not installed:$missing" >&2
  echo "Install them, then run make again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi

echo "Installing system packages:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
# A freshly installed font is found by the next Qt process only once fontconfig's cache knows it.
if [[ "$missing" == *fonts-* ]] && command -v fc-cache >/dev/null 2>&1; then fc-cache -f >/dev/null 2>&1 || true; fi
