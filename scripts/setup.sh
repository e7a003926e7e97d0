#!/usr/bin/env bash
# Installs every Debian package hamlet needs to build, test and benchmark. Idempotent.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libint2-dev libxc-dev libboost-dev
  libtorch-dev libopenblas0-openmp libopenblas-openmp-dev
  libopenmpi-dev openmpi-bin
  libhdf5-dev libsqlite3-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libyaml-cpp-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-numpy
  psi4-data
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all ${#PACKAGES[@]} packages present"
