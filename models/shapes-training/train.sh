#!/usr/bin/env bash
# Retrains the shipped model (models/shapes) from scratch with the exact commands it was trained with;
# README.md beside this script is the record of that run. Resumable: run it again after a stop and each
# stage continues from its newest checkpoint (finished stages are skipped).
#   models/shapes-training/train.sh [WORK]      WORK (default runs/shapes) holds the data and run folders
# Takes about 1.9 h on 2 quiet cores (autoencoder 20 min, U-Net 1.5 h); the model is exported to WORK/model
# (models/shapes is not overwritten: copy it there to ship it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sd="$repo/sd"
work="${1:-$repo/runs/shapes}"
mkdir -p "$work"
# Waiting LibTorch threads sleep instead of spinning, so anything else running on the 2 cores slows the
# run a little instead of stalling it.
export OMP_WAIT_POLICY=PASSIVE

# 1. Data: 10 000 shapes images, deterministic from the seed (the held-out colour–shape pairs never appear).
[[ -f "$work/data/metadata.jsonl" ]] ||
  "$sd" data shapes --count 10000 --size 64 --seed 1 --out "$work/data"

# 2. Autoencoder: 4× downscale, 4 latent channels, trained on random 32×32 crops.
if [[ ! -f "$work/vae/vae/config.json" ]]; then
  if [[ -f "$work/vae/run.json" ]]; then "$sd" train vae --out "$work/vae" --resume
  else
    "$sd" train vae --data "$work/data" --out "$work/vae" --config "$here/vae-config.json" \
      --crop 32 --batch-size 8 --steps 20000 --lr 0.002 --warmup 200 --judge-shapes \
      --sample-every 2500 --checkpoint-every 1000 --export-dtype fp16
  fi
fi

# 3. U-Net and text encoder, trained together from scratch on the cached latents; EMA weights exported.
if [[ -f "$work/unet/run.json" ]]; then "$sd" train unet --out "$work/unet" --resume --export "$work/model" --export-dtype fp16
else
  "$sd" train unet --data "$work/data" --out "$work/unet" --vae "$work/vae/vae" \
    --unet-config "$here/unet-config.json" --snr-gamma 5 \
    --steps 6000 --batch-size 32 --lr 0.001 --warmup 200 \
    --sample-every 1000 --checkpoint-every 500 --export "$work/model" --export-dtype fp16
fi
echo "model: $work/model (to ship it: rm -r models/shapes && cp -r $work/model models/shapes)"
