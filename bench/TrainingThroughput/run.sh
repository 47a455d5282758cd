#!/usr/bin/env bash
# Training throughput (samples/s) of `sd train unet` for the U-Net sizes here and of `sd train vae` for the
# autoencoders here, on 64×64 shapes data. Run by hand, not a test: the numbers depend on the machine and on
# what else runs on it (check `uptime` first).
#   bench/TrainingThroughput/run.sh [THREADS] [BATCH] [NAME]   defaults: LibTorch's thread count, batch 32, every
#                                                                config (NAME: e.g. 16-s for unet-16-s.json only)
# Each U-Net trains 40 steps from scratch (with the text encoder preset); the rate printed is the
# train_log.jsonl figure of steps 21–40 (forward + backward + AdamW + EMA, no sampling or checkpoints).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sd="$here/../../sd"
threads=(); [[ $# -ge 1 && -n "$1" ]] && threads=(--threads "$1")
batch="${2:-32}"
only="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$sd" data shapes --out "$work/data" --count 512 >/dev/null
rate() { tail -n 1 "$1/train_log.jsonl" | sed -E 's/.*"samples_per_second":([0-9.]+).*/\1/'; }
common=(--data "$work/data" --log-every 20 --sample-every 100000 --checkpoint-every 100000 --warmup 1 "${threads[@]}")

for vae in "$here"/vae-*.json; do
  name="$(basename "$vae" .json)"
  [[ -n "$only" && "$name" != vae-4x-16 && "$name" != vae-8x-16 && "$name" != "vae-$only" ]] && continue
  log="$("$sd" train vae "${common[@]}" --out "$work/$name" --config "$vae" --steps 40 --batch-size 16 --val-count 8 2>/dev/null)"
  printf '%-12s batch 16  %8s samples/s  (%s)\n' "$name" "$(rate "$work/$name")" "$(grep -o 'autoencoder [0-9.]*M parameters, [0-9]*× downscale' <<<"$log")"
done

for unet in "$here"/unet-*.json; do
  name="$(basename "$unet" .json)"
  [[ -n "$only" && "$name" != "unet-$only" ]] && continue
  side="$(grep -o '"sample_size": [0-9]*' "$unet" | grep -o '[0-9]*$')"
  vae="$work/vae-4x-16/vae"; [[ "$side" == 8 ]] && vae="$work/vae-8x-16/vae"
  log="$("$sd" train unet "${common[@]}" --out "$work/$name" --vae "$vae" --unet-config "$unet" --steps 40 --batch-size "$batch" 2>/dev/null)"
  params="$(grep -o 'U-Net [0-9.]*M' <<<"$log")"
  printf '%-12s batch %-3s %8s samples/s  (%s, latents %sx%s)\n' "$name" "$batch" "$(rate "$work/$name")" "$params" "$side" "$side"
done
