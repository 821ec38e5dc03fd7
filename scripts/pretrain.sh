#!/usr/bin/env bash
# Rebuild the pretrained CNN the page loads at start-up (www/models/cnn.safetensors), reproducibly:
# the CPU backend is deterministic for a given seed. ~1-3 minutes on 2 cores; test accuracy ~98%.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p www/models
cargo run --release --bin garden -- train --model cnn --backend cpu --epochs 8 --batch 64 --lr 0.001 \
  --optimizer adam --seed 7 --shift 2 --rotate 10 --log-every 500 --export www/models/cnn.safetensors
