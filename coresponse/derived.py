"""Writes the session cannot see, announced to what is derived from them.

Derived data (the report tallies) follows the ORM session's flushes. A bulk UPDATE is
not seen there, so the code that writes one names the people whose records it rewrites:
`with rewriting(people): ...`. The keepers registered here (reports.tallies) recount
those people around it. Kept below the domains so a domain's services can announce a
write without importing the reports.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

Keeper = Callable[[Collection[int]], AbstractContextManager[None]]
_keepers: list[Keeper] = []


def keep(keeper: Keeper) -> None:
    """Register `keeper`, a context manager wrapped around each announced rewrite."""
    if keeper not in _keepers:
        _keepers.append(keeper)


@contextmanager
def rewriting(people: Collection[int]) -> Iterator[None]:
    """Around writes to `people`'s records that bypass the ORM session."""
    with ExitStack() as stack:
        for keeper in _keepers:
            stack.enter_context(keeper(people))
        yield
