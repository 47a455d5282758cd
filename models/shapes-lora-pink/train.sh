#!/usr/bin/env bash
# Teaches the shipped shapes model a colour it has never seen (pink, RGB 255,105,180) with a LoRA, and scores it.
# Resumable: run it again after a stop.
#   models/shapes-lora-pink/train.sh [WORK] [BASE_MODEL]
#     WORK        (default runs/lora-pink) holds the data, the run folder and the evaluations
#     BASE_MODEL  (default models/shapes) the model to teach
# The LoRA is written to WORK/run/lora.safetensors; the evaluations to WORK/eval-pink and WORK/eval-others.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sd="$repo/sd"
work="${1:-$repo/runs/lora-pink}"
base="${2:-$repo/models/shapes}"
mkdir -p "$work"
export OMP_WAIT_POLICY=PASSIVE

# 1. Data: 1 000 shapes images whose palette has pink added to the eight colours (about one shape in nine
#    is pink, and one background in nine).
[[ -f "$work/data/metadata.jsonl" ]] ||
  "$sd" data shapes --count 1000 --size 64 --seed 11 --colors +pink --out "$work/data"

# 2. The LoRA: rank 8 on the U-Net's attention projections and the text encoder's, base model frozen.
if [[ ! -f "$work/run/lora.safetensors" ]]; then
  if [[ -f "$work/run/run.json" ]]; then "$sd" train lora --out "$work/run" --resume --export-dtype fp16
  else
    "$sd" train lora --data "$work/data" --out "$work/run" --base-model "$base" \
      --rank 8 --train-text-encoder --steps 1500 --batch-size 16 --lr 0.001 --warmup 100 \
      --sample-prompts "$here/sample-prompts.txt" --sample-every 250 --checkpoint-every 250 --log-every 25 \
      --export-dtype fp16
  fi
fi

# 3. Scores: pink prompts with the LoRA at scale 1 (judged pink?), and the standard prompt set with the LoRA
#    (do the eight colours stay right?).
"$sd" eval --model "$base" --lora "$work/run/lora.safetensors:1" --color pink --seeds 4 --out "$work/eval-pink"
"$sd" eval --model "$base" --lora "$work/run/lora.safetensors:1" --seeds 4 --out "$work/eval-others"
