#!/usr/bin/env bash
# Resident memory of a long `sd train unet` run with a tiny model: RSS is sampled every 10 s while STEPS
# (default 10000) steps run, with samples and checkpoints along the way; prints the samples and the
# growth from the first sample after warm-up to the end. Run by hand (takes a while), not a test.
#   bench/TrainingThroughput/memory.sh [STEPS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sd="$here/../../sd"
steps="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$sd" data shapes --out "$work/data" --count 256 --size 32 >/dev/null
tiny=(--data "$work/data" --resolution 32 --batch-size 8 --warmup 10 --threads 1)
"$sd" train vae "${tiny[@]}" --out "$work/vae" --config "$here/tiny-vae.json" --steps 1 --val-count 8 >/dev/null 2>&1
"$sd" train unet "${tiny[@]}" --out "$work/run" --vae "$work/vae" --unet-config "$here/tiny-unet.json" \
  --text-encoder-config "$here/tiny-text-encoder.json" --steps "$steps" --log-every 500 --sample-every 2500 \
  --checkpoint-every 1000 --sample-steps 5 >"$work/train.out" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  step=$(tail -n 1 "$work/run/train_log.jsonl" 2>/dev/null | sed -E 's/.*"step":([0-9]+).*/\1/' || true)
  [[ -n "$rss" ]] && echo "$(date +%s) step ${step:-0} rss_kb $rss"
  sleep 10
done | tee "$work/rss.txt"
wait "$pid"
awk '$3 >= 500 {if (!first) first = $5; last = $5; if ($5 > max) max = $5}
     END {printf "RSS after step 500: %.1f MB, at the end: %.1f MB, peak: %.1f MB, growth %.1f MB\n", first/1024, last/1024, max/1024, (last-first)/1024}' "$work/rss.txt"
