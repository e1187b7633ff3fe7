"""Grouping defects into causes: largest first, with example ids (metrics.md 5)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from metrics.result import Cause


def rank_causes(kind: str, items: Iterable[tuple[str, int, str]]) -> list[Cause]:
    """(label, count, example id) as Cause groups, largest first: up to five, three examples each."""
    counts: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for label, count, example in items:
        if label in counts:
            counts[label] += count
            if len(examples[label]) < 3:
                examples[label].append(example)
        else:
            counts[label] = count
            examples[label] = [example]
    ranked = heapq.nsmallest(5, counts.items(), key=lambda item: (-item[1], item[0]))
    return [Cause(kind, label, count, examples[label]) for label, count in ranked]


def group_causes(kind: str, items: Iterable[tuple[str, str]]) -> list[Cause]:
    """(label, example id) pairs, one per defect, as Cause groups (see rank_causes)."""
    return rank_causes(kind, ((label, 1, example) for label, example in items))
