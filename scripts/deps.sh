#!/usr/bin/env bash
# Installs every Debian package myelin needs; skips what is already present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang-format
  libgtest-dev libbenchmark-dev
  librandom123-dev nlohmann-json3-dev libhdf5-dev
  libopenmpi-dev openmpi-bin
  python3-dev pybind11-dev
  python3-numpy python3-matplotlib python3-h5py python3-pytest
  python3-brian
  python3-pynn python3-neo neuron python3-neuron neuron-dev python3-mpi4py
  python3-pytest-forked python3-pytest-timeout python3-csa)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
stamp=/var/lib/apt/periodic/myelin-apt-updated
if [ ! -f "$stamp" ] || ! apt-cache show "${missing[0]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp" || true
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
