"""What a reader of one language returns: a first-person identity statement and where its value is.

A statement has a trigger (the words that tie it to the speaker: "I am", "my developers", "built
me", "我的开发团队是"), a region (the words that say who: families are looked up there), and the
names and places it asserts that no family knows. `ignored` says why it does not count, if it
does not: negated, hypothetical, a question, role-play, not a claim at all ("I am happy to …").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Statement:
    kind: str  # name, maker, origin, technology, place, policy, slot, form
    trigger: tuple[int, int]
    region: tuple[int, int]
    names: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    no_one: bool = False
    anaphor: bool = False  # "they built me", "that's me": who is meant is in the sentence before
    ignored: str | None = None

    @property
    def start(self) -> int:
        return min(self.trigger[0], self.region[0])

    @property
    def end(self) -> int:
        return max(self.trigger[1], self.region[1])
