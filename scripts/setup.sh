#!/usr/bin/env bash
# Set up everything lipflow needs on a fresh Debian/Ubuntu machine: system packages
# (ffmpeg, espeak-ng, espeak, Chromium for the recorder test), a virtual environment in
# .venv with the pinned Python packages, and lipflow itself. Safe to run again: each
# step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(ffmpeg espeak-ng espeak libespeak-dev libespeak-ng1 git gcc g++ python3-dev python3-venv chromium chromium-driver)
VENV=.venv
PYTHON=${PYTHON:-python3}

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "lipflow setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"lipflow needs Python >= 3.11, found {sys.version.split()[0]}")
PY

stamp="$VENV/.lipflow-requirements"
wanted="$(cat requirements/base.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    mkdir -p logs
    log=logs/setup.log
    echo "lipflow setup: installing Python packages into $VENV (pip's output: $log)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    pip() {
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >>"$log" 2>&1 \
            || { tail -n 40 "$log"; echo "lipflow setup: pip install $* failed (whole output: $log)" >&2; exit 1; }
    }
    : >"$log"
    # aeneas 1.7.3 builds its C extensions with numpy.distutils: numpy must be installed
    # first, the build must see it (no build isolation), and numpy.distutils needs an
    # older setuptools. numpy stays < 2 because aeneas calls numpy.fromstring.
    # Everything else: lipflow with all its extras (pyproject.toml), at the exact versions of
    # requirements/base.txt, used as constraints.
    pip "setuptools==69.5.1" wheel "$(grep '^numpy==' requirements/base.txt)"
    pip --no-build-isolation "$(grep '^aeneas==' requirements/base.txt)"
    pip --no-build-isolation -c requirements/base.txt -e ".[all]"
    echo "$wanted" > "$stamp"
fi
echo "lipflow setup: ready ($("$VENV/bin/lipflow" --version))"
