"""The null panel: models known not to be distilled from the reference, and what they are for.

Every verdict asks "is this target more like the reference than unrelated models are?", and the
panel is those unrelated models. Its rule is here, once: one member has no spread to measure, so a
panel calibrates a test only with at least two. Its role name, which evidence and answers carry,
is here too, so that no module spells it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from distillscope.audit.evidence.values import Evidence, Role

MemberT = TypeVar("MemberT")

PANEL_ROLE: Role = "panel"
TARGET_ROLE: Role = "target"
CEILING_ROLE: Role = "ceiling"


@dataclass(frozen=True)
class Panel(Generic[MemberT]):
    """The panel's members (models, their evidence, their answers), in the audit's order."""

    members: tuple[MemberT, ...]
    role: ClassVar[Role] = PANEL_ROLE
    min_members: ClassVar[int] = 2  # what `too_small` says in words

    @classmethod
    def of(cls, members: Iterable[MemberT]) -> Panel[MemberT]:
        return cls(tuple(members))

    @classmethod
    def enough(cls, count: int) -> bool:
        """Whether `count` members can calibrate a test: one member, or none, has no spread."""
        return count >= cls.min_members

    @classmethod
    def too_small(cls, count: int) -> str | None:
        """Why a panel of `count` members the user named cannot serve (None: it can, or there is none)."""
        if count == 0 or cls.enough(count):
            return None
        return (
            "a null panel of one model cannot calibrate a verdict: the test measures how much unrelated models "
            "differ among themselves, which takes at least two; add another model known not to be distilled "
            "from the reference"
        )

    @property
    def calibrates(self) -> bool:
        return self.enough(len(self.members))

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[MemberT]:
        return iter(self.members)

    def __bool__(self) -> bool:
        return bool(self.members)


def panel_evidence(evidence: Sequence[Evidence], method: str, reference: str) -> Panel[Evidence]:
    """The panel's evidence from one method about one reference."""
    return Panel.of(e for e in evidence if e.method == method and e.reference == reference and e.role == PANEL_ROLE)
