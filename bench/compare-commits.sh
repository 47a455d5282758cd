#!/usr/bin/env bash
# Interleaved A/B of two commits with `sd bench --in-process`: both are built (from temporary git worktrees,
# into artifacts/compare/sd-SHA), then run alternately ROUNDS times, so both see the same machine load. Prints each
# run's JSON and, per field, the median over rounds and the ratio base/candidate (> 1: candidate faster).
#
#   bench/compare-commits.sh BASE CANDIDATE ROUNDS [sd bench options for ONE configuration...]
#   bench/compare-commits.sh HEAD~1 HEAD 3 --size 512 --precision fp32 --threads 2 --repeats 2 --parts unet
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$1" candidate="$2" rounds="$3"; shift 3

build() {
  local sha; sha="$(git -C "$root" rev-parse --short "$1")"
  local tree="$root/artifacts/compare/src-$sha" out="$root/artifacts/compare/sd-$sha"
  if [[ ! -f "$out/sd.dll" ]]; then
    [[ -d "$tree" ]] || git -C "$root" worktree add --detach "$tree" "$sha" >/dev/null 2>&1
    dotnet build "$tree/src/LatentSharp.Cli/LatentSharp.Cli.csproj" -c Release -o "$out" --nologo -v quiet >/dev/null
    git -C "$root" worktree remove --force "$tree"   # only the build output is needed
  fi
  echo "$out/sd.dll"
}

base_dll="$(build "$base")" candidate_dll="$(build "$candidate")"
results="$(mktemp)"
echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((i = 1; i <= rounds; i++)); do
  for side in base candidate; do
    dll="$base_dll"; [[ "$side" == candidate ]] && dll="$candidate_dll"
    line="$(dotnet "$dll" bench --in-process --json "$@" 2>/dev/null | tail -n 1)"
    echo "$side $line" | tee -a "$results"
  done
done
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$results" <<'PY'
import json, statistics, sys
runs = {"base": [], "candidate": []}
for line in open(sys.argv[1]):
    side, payload = line.split(" ", 1)
    runs[side].append(json.loads(payload))
fields = [k for k, v in runs["base"][0].items() if isinstance(v, (int, float)) and k.endswith(("_s", "_mb", "_ms", "gflops"))]
print(f"{'field':28} {'base':>10} {'candidate':>10} {'base/cand':>9}")
for f in fields:
    b = statistics.median(r[f] for r in runs["base"] if f in r)
    c = statistics.median(r[f] for r in runs["candidate"] if f in r)
    print(f"{f:28} {b:10.3f} {c:10.3f} {b / c if c else float('nan'):9.2f}")
PY
rm -f "$results"
