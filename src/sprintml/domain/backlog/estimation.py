"""Planning poker: the card scale and when a round of votes reaches consensus."""

from collections.abc import Iterable

# The modified Fibonacci deck most teams use; 20/40/100 say "too big, split it".
SCALE: tuple[int, ...] = (0, 1, 2, 3, 5, 8, 13, 20, 40, 100)


def consensus(votes: Iterable[int]) -> int | None:
    """The agreed points, or None when the team must discuss and vote again.

    Consensus: every vote is within one card of every other on SCALE (e.g. 3 and 5 agree, 3 and 8 do
    not). The consensus is the highest card voted, because the higher voter usually saw a risk the
    others did not. A single vote is a consensus. Votes must be on SCALE.
    """
    steps = [SCALE.index(vote) for vote in votes]
    if not steps or max(steps) - min(steps) > 1:
        return None
    return SCALE[max(steps)]
