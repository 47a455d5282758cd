#!/usr/bin/env bash
# Issue 12's experiment F1 (../README.md, "Position"): the shapes model retrained with the U-Net on a zero-terminal-SNR
# schedule and a plain v-prediction loss. It did not learn shapes and colours fast enough (stopped at step 3 198).
# Resumable: run it again after a stop and each stage continues from its newest checkpoint.
#   models/shapes-training/position/train-zero-snr.sh [WORK]      WORK (default runs/shapes) holds the data and run folders
# Takes about 2.3 h on 2 quiet cores (autoencoder 20 min, U-Net 2 h); the model is exported to WORK/model
# (models/shapes is not overwritten: copy it there to ship it).
# A folder WORK/vae/vae that already holds an autoencoder (e.g. a copy of models/shapes/vae) skips stage 2.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
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
#    Zero-terminal-SNR schedule with v-prediction (scheduler-config.json): with SD's own schedule the noisiest
#    training latent still shows where the shape is, the U-Net learns to take the position from there instead of
#    from the words, and a sample's position then follows its seed (README.md beside this script, "Position").
#    Plain v loss (no Min-SNR weighting, which would all but silence the noisiest steps, where the cell is chosen).
#    Every 500 steps the EMA model is scored on 36 prompts × 2 seeds: eval.jsonl, eval.png.
if [[ -f "$work/unet/run.json" ]]; then "$sd" train unet --out "$work/unet" --resume --export "$work/model" --export-dtype fp16
else
  "$sd" train unet --data "$work/data" --out "$work/unet" --vae "$work/vae/vae" \
    --unet-config "$here/unet-config.json" --scheduler-config "$here/scheduler-config.json" \
    --steps 7000 --batch-size 32 --lr 0.001 --warmup 200 --eval-every 500 \
    --sample-every 1000 --checkpoint-every 250 --export "$work/model" --export-dtype fp16
fi
echo "model: $work/model (to ship it: rm -r models/shapes && cp -r $work/model models/shapes)"
