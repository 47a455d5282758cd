#!/usr/bin/env bash
# Teaches the shapes model a colour its U-Net and text encoder have never seen (pink, RGB 255,105,180) with a LoRA, and
# scores it. Resumable: run it again after a stop; each stage is skipped once its output exists.
#   models/shapes-lora-pink/train.sh [WORK] [BASE_MODEL]
#     WORK        (default runs/lora-pink) holds the data, the run folders and the evaluations
#     BASE_MODEL  the model to teach. Default: the shipped model with an autoencoder that can draw pink (stages 1–2
#                 below); the shipped autoencoder draws a pink shape red, so no LoRA can teach it pink (README.md).
# The LoRA is written to WORK/lora/lora.safetensors with the new word's embedding WORK/lora/pink.safetensors; the scores
# to WORK/eval-pink (pink prompts) and WORK/eval-others (the standard prompt set, with the LoRA loaded).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sd="$repo/sd"
work="${1:-$repo/runs/lora-pink}"
base="${2:-}"
mkdir -p "$work"
export OMP_WAIT_POLICY=PASSIVE

if [[ -z "$base" ]]; then
  # 1. An autoencoder that draws pink shapes on any background: the shipped one fine-tuned on shapes data whose palette
  #    has pink (about 1 shape in 9), a quarter of the images recoloured at random.
  [[ -f "$work/vae-data/metadata.jsonl" ]] ||
    "$sd" data shapes --count 10000 --size 64 --seed 21 --colors +pink --out "$work/vae-data"
  if [[ ! -f "$work/vae/vae/config.json" ]]; then
    if [[ -f "$work/vae/run.json" ]]; then "$sd" train vae --out "$work/vae" --resume
    else "$sd" train vae --data "$work/vae-data" --out "$work/vae" --base-vae "$repo/models/shapes" --recolor 0.25 --crop 32 \
           --batch-size 8 --steps 5000 --lr 0.0005 --checkpoint-every 1000 --sample-every 2500 --judge-shapes; fi
  fi
  # 2. The shipped U-Net fine-tuned on that autoencoder's latents of the shapes data (eight colours: still no pink).
  data="$work/shapes-data"
  [[ -f "$data/metadata.jsonl" ]] || "$sd" data shapes --count 10000 --size 64 --seed 1 --out "$data"   # the shipped model's data (models/shapes-training/train.sh)
  if [[ ! -d "$work/base-with-vae" ]]; then
    rm -rf "$work/base-with-vae.tmp" && cp -r "$repo/models/shapes" "$work/base-with-vae.tmp" &&
      rm -rf "$work/base-with-vae.tmp/vae" && cp -r "$work/vae/vae" "$work/base-with-vae.tmp/vae" &&
      mv "$work/base-with-vae.tmp" "$work/base-with-vae"
  fi
  if [[ ! -f "$work/base/model/model_index.json" ]]; then
    if [[ -f "$work/base/run.json" ]]; then "$sd" train unet --out "$work/base" --resume
    else "$sd" train unet --base-model "$work/base-with-vae" --data "$data" --out "$work/base" --steps 1500 --batch-size 32 \
           --lr 0.0005 --warmup 100 --snr-gamma 5 --eval-every 500 --checkpoint-every 250 --export "$work/base/model"; fi
  fi
  base="$work/base/model"
fi

# 3. The LoRA: 1 000 shapes images whose palette has pink added to the eight colours (about one shape in nine is pink,
#    and one background in nine); LoCon rank 12 on the U-Net and the text encoder, "pink" learned as a new token
#    starting from "red" (pivotal tuning), base model frozen.
[[ -f "$work/pink-data/metadata.jsonl" ]] ||
  "$sd" data shapes --count 1000 --size 64 --seed 11 --colors +pink --out "$work/pink-data"
if [[ ! -f "$work/lora/lora.safetensors" ]]; then
  if [[ -f "$work/lora/run.json" ]]; then "$sd" train lora --out "$work/lora" --resume
  else
    "$sd" train lora --data "$work/pink-data" --out "$work/lora" --base-model "$base" \
      --targets locon --rank 12 --lr 0.002 --snr-gamma 5 --train-text-encoder --new-word pink --new-word-init red \
      --steps 1500 --batch-size 16 --warmup 100 \
      --sample-prompts "$here/sample-prompts.txt" --sample-every 250 --checkpoint-every 250 --log-every 25 \
      --export-dtype fp16
  fi
fi

# 4. Scores: pink prompts with the LoRA at scale 1 (judged pink?), and the standard prompt set with the LoRA
#    (do the eight colours stay right?).
adapters=(--lora "$work/lora/lora.safetensors:1" --embedding "$work/lora/pink.safetensors")
"$sd" eval --model "$base" "${adapters[@]}" --color pink --seeds 4 --out "$work/eval-pink"
"$sd" eval --model "$base" "${adapters[@]}" --seeds 4 --out "$work/eval-others"
