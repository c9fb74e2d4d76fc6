#!/usr/bin/env bash
# Build llama.cpp's llama-server from the llama.cpp copy vendored in the llama-cpp-python source
# package on PyPI, and cache the binary so later test runs (and CI) reuse it.
# Usage: build_llama_server.sh [CACHE_DIR]   (default ~/.cache/valuegap/llama-server-<version>)
# Prints the binary's path on the last line of stdout.
set -euo pipefail
VERSION=0.3.36
CACHE=${1:-${VALUEGAP_LLAMA_CACHE:-$HOME/.cache/valuegap/llama-server-$VERSION}}
BIN="$CACHE/bin/llama-server"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
for tool in cmake ninja; do
  command -v "$tool" >/dev/null || { echo "build_llama_server: $tool not found" >&2; exit 3; }
done
PYTHON=${PYTHON:-python3}
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/.build-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$PYTHON" -m pip download -q --no-cache-dir --no-deps --no-binary=:all: -d sdist "llama-cpp-python==$VERSION" >&2
tar xzf "sdist/llama_cpp_python-$VERSION.tar.gz"
# GGML_NATIVE=OFF: the cached binary must run on any x86-64 machine that shares the cache.
cmake -S "llama_cpp_python-$VERSION/vendor/llama.cpp" -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF > cmake.log 2>&1 \
  || { tail -30 cmake.log >&2; exit 4; }
cmake --build build --target llama-server -j "${JOBS:-2}" > build.log 2>&1 \
  || { tail -30 build.log >&2; exit 5; }
mkdir -p "$CACHE/bin"
# Copy then rename: a concurrent run never sees a half-written binary.
cp build/bin/llama-server "$CACHE/bin/.llama-server.tmp"
mv "$CACHE/bin/.llama-server.tmp" "$BIN"
echo "$BIN"
