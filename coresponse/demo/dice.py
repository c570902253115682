"""The demo's only source of randomness."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

T = TypeVar("T")


class Dice:
    """The demo's only source of randomness: one seeded RNG, one draw per choice.

    `random.choice` and friends draw a variable number of bits depending on the
    options; drawing exactly one float per choice keeps later choices aligned even
    if a choice's options ever differ, so a seed always builds the same demo.
    """

    def __init__(self, seed: int) -> None:
        # Deterministic demo data, not secrets: a seeded generator is what is wanted.
        self._rng = random.Random(seed)  # nosec B311

    def unit(self) -> float:
        return self._rng.random()

    def child(self) -> Dice:
        """An independent Dice for one story, so its branches never shift the next story."""
        return Dice(int(self.unit() * 2**53))

    def chance(self, probability: float) -> bool:
        return self.unit() < probability

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def skewed(self, low: float, high: float, power: float) -> float:
        """A number in [low, high] bunched towards low when power > 1."""
        return low + (high - low) * self.unit() ** power

    def integer(self, low: int, high: int) -> int:
        return min(high, low + int(self.unit() * (high - low + 1)))

    def pick(self, options: Sequence[T]) -> T:
        return options[min(len(options) - 1, int(self.unit() * len(options)))]

    def weighted(self, options: Sequence[tuple[T, float]]) -> T:
        remaining = self.unit() * sum(weight for _, weight in options)
        for value, weight in options:
            remaining -= weight
            if remaining < 0:
                return value
        return options[-1][0]

    def sample(self, options: Sequence[T], k: int) -> list[T]:
        pool = list(options)
        return [
            pool.pop(min(len(pool) - 1, int(self.unit() * len(pool))))
            for _ in range(min(k, len(pool)))
        ]

    def weighted_sample(self, options: Sequence[tuple[T, float]], k: int) -> list[T]:
        pool = list(options)
        chosen: list[T] = []
        for _ in range(min(k, len(pool))):
            value = self.weighted(pool)
            chosen.append(value)
            pool = [(v, w) for v, w in pool if v != value]
        return chosen

    def shuffled(self, items: Sequence[T]) -> list[T]:
        return self.sample(items, len(items))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.between(low, high))

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.between(low, high))

    def phone(self, area_codes: Sequence[str]) -> str:
        """A fictional number: 555-0100 to 555-0199 are reserved for fiction."""
        return f"({self.pick(area_codes)}) 555-01{self.integer(0, 99):02d}"
