#!/usr/bin/env bash
# Issue 13: does libgomp's waiting policy matter for a 2-thread sd bench U-Net pass, quiet and beside a competing process?
# Run on a quiet machine from a clone (never the work tree being edited). Usage: bench/omp-wait-policy.sh REPO OUT.jsonl
# (COMPETITORS="none one" by default: without and with one busy-looping shell.)
set -u
sd="$1/sd"; out="$2"
for competitor in ${COMPETITORS:-none one}; do
  for policy in unset PASSIVE ACTIVE; do
    cat /proc/loadavg >&2
    pid=""; if [[ $competitor == one ]]; then ( while :; do :; done ) >/dev/null 2>&1 & pid=$!; fi
    # "unset" is libgomp's own default: sd sets PASSIVE when the variable is absent but keeps any value it finds, and
    # libgomp reads an empty one as not set.
    if [[ $policy == unset ]]; then OMP_WAIT_POLICY= "$sd" bench --model sd15-random --size 512 --precision bf16 --parts unet --repeats 2 --json
    else OMP_WAIT_POLICY=$policy "$sd" bench --model sd15-random --size 512 --precision bf16 --parts unet --repeats 2 --json; fi |
      python3 -c "import json,sys; [print(json.dumps(dict(json.loads(l), omp_wait_policy='$policy', competitor='$competitor'))) for l in sys.stdin if l.startswith('{')]" >> "$out"
    [[ -n $pid ]] && kill $pid
  done
done
