#!/usr/bin/env python3
"""Position accuracy of an `sd eval` run split by how the prompt is worded (issue 12).

usage: phrasing.py REPORT.json|SAMPLES.jsonl ...
A prompt counts as canonical when it reads "a|an ... on a|an ... background" with no comma, "background with" or "image of"
(ShapesCaptions' first phrasing); every other prompt is paraphrased. Prints seen and held-out pairs apart.
"""
import json
import sys


def samples(path):
    if path.endswith('.jsonl'):
        return [json.loads(line) for line in open(path)]
    return json.load(open(path))['scales'][0]['samples']


def canonical(prompt):
    return (prompt.startswith(('a ', 'an ')) and ' on a' in prompt and 'background with' not in prompt
            and 'image of' not in prompt and ',' not in prompt)


def position_right(sample):
    judged = (sample['judged'] or '').split()
    return len(judged) > 3 and judged[3] == sample['expected'].split()[3]


for path in sys.argv[1:]:
    parts = []
    for held_out in (False, True):
        for is_canonical in (True, False):
            group = [s for s in samples(path) if s['held_out'] == held_out and canonical(s['prompt']) == is_canonical]
            right = sum(position_right(s) for s in group)
            parts.append(f"{'held-out' if held_out else 'seen'} {'canonical' if is_canonical else 'paraphrased'} "
                         f"{right}/{len(group)} {100 * right / max(1, len(group)):.1f}%")
    print(path + ': ' + '; '.join(parts))
