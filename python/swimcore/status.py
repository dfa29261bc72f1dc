"""A member's status, as the original swim-protocol spells it."""

from __future__ import annotations

from enum import Flag

__all__ = ['Status']


class Status(Flag):
    """A cluster member's status, and aggregates for bitwise tests
    (``member.status & Status.AVAILABLE``). Only the four real statuses
    are ever a member's; the aggregates select."""

    #: Answering probes.
    ONLINE = 1
    #: Missed a probe; it may still refute. Not yet declared failed.
    SUSPECT = 2
    #: Declared failed after a suspicion nobody refuted.
    OFFLINE = 4
    #: Left gracefully (swim addition; swim-protocol has no LEFT).
    LEFT = 8

    #: Responding or maybe responding: ONLINE and SUSPECT.
    AVAILABLE = ONLINE | SUSPECT
    #: Not known to respond: SUSPECT, OFFLINE and LEFT.
    UNAVAILABLE = SUSPECT | OFFLINE | LEFT
    #: Every status.
    ALL = AVAILABLE | UNAVAILABLE
