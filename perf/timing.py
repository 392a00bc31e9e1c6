"""Timing helpers for the in-process benchmarks."""

import statistics
import time


def timed(function, repeat: int) -> list[float]:
    """Run ``function(index)`` ``repeat`` times; the seconds each call took."""
    samples = []
    for index in range(repeat):
        start = time.perf_counter()
        function(index)
        samples.append(time.perf_counter() - start)
    return samples


def p50(samples: list[float]) -> float:
    """The median, in microseconds."""
    return statistics.median(samples) * 1e6
