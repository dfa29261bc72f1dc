"""The cluster as this member sees it, in swim-protocol's shape."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Optional

from ._native import Address, Event, MemberInfo, Verdict
from .config import BaseConfig
from .listener import Listener
from .status import Status

if TYPE_CHECKING:
    from ._driver import Driver

__all__ = ['Member', 'Members', 'Message']


class Member:
    """A member of the cluster: ``name``, ``status``, ``metadata``.

    Its fields change as the node learns news; compare and hash by name.
    """

    def __init__(self, name: str, local: bool, address: Address) -> None:
        self.name: Final = name
        self.local: Final = local
        self._address = address
        self._status = Status.ONLINE
        self._status_time = time.time()
        self._metadata: Mapping[str, bytes] = {}
        self._generation = 0
        self._version = 0
        self._cause: Optional[Verdict] = None

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Member):
            return self.name == other.name
        return NotImplemented

    def __lt__(self, other: Any) -> bool:
        if isinstance(other, Member):
            return self.name < other.name
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f'Member<{self.name} {self._status.name}>'

    @property
    def address(self) -> Address:
        """``(host, port)`` the member is reached at."""
        return self._address

    @property
    def status(self) -> Status:
        """ONLINE, SUSPECT, OFFLINE or LEFT."""
        return self._status

    @property
    def status_time(self) -> float:
        """Wall-clock time (``time.time()``) of the last status change seen
        here."""
        return self._status_time

    @property
    def metadata(self) -> Mapping[str, bytes]:
        """The member's metadata (the whole map; replaced on change)."""
        return self._metadata

    @property
    def incarnation(self) -> tuple[int, int]:
        """(generation, version): its life and its changes within it."""
        return self._generation, self._version

    @property
    def cause(self) -> Optional[Verdict]:
        """Why it last became SUSPECT, OFFLINE or LEFT (who accused it, who
        confirmed, the timeout); None while ONLINE."""
        return self._cause

    def _apply(self, info: MemberInfo, cause: Optional[Verdict]) -> None:
        status = Status(info.status)
        if status != self._status:
            self._status_time = time.time()
        self._status = status
        self._address = info.address
        self._metadata = dict(info.metadata)
        self._generation = info.generation
        self._version = info.version
        self._cause = cause if status != Status.ONLINE else None


@dataclass(frozen=True)
class Message:
    """A user broadcast that arrived (once): its origin and payload."""
    origin: str
    payload: bytes


class Members(Set[Member]):
    """The members of the cluster this member knows, itself included.

    Args:
        config: The member's configuration.
    """

    @classmethod
    def _from_iterable(cls, it: Iterable[Member]) -> frozenset[Member]:
        # Set's operators (-, &, |, ^) build their result with this: a
        # plain frozenset of members, not another view of a cluster.
        return frozenset(it)

    def __init__(self, config: BaseConfig) -> None:
        if not isinstance(config, BaseConfig):
            raise TypeError('config must be a BaseConfig (UdpConfig)')
        #: Notified with a :class:`Member` after each change to it.
        self.listener: Final = Listener(Member)
        #: Notified with each user broadcast (:class:`Message`).
        self.messages: Final = Listener(Message)
        #: Notified with every event of the core as it is (swim addition):
        #: the event's type, the member, the previous status and the cause.
        self.events: Final = Listener(Event)
        self._local = Member(config.local_name, True, config.address)
        self._local._metadata = dict(config.local_metadata)
        self._members: dict[str, Member] = {config.local_name: self._local}
        self._non_local: set[Member] = set()
        self._driver: Optional[Driver] = None
        self._random = random.Random()

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Member):
            return self._members.get(item.name) is item
        return item in self._members

    def __iter__(self) -> Iterator[Member]:
        return iter(list(self._members.values()))

    def __len__(self) -> int:
        return len(self._members)

    @property
    def local(self) -> Member:
        """This member."""
        return self._local

    @property
    def non_local(self) -> Set[Member]:
        """Every other member known, in any status."""
        return frozenset(self._non_local)

    def get(self, name: str) -> Optional[Member]:
        """The member named *name*, or None."""
        if not isinstance(name, str):
            raise TypeError(f'name must be str, not {type(name).__name__}')
        return self._members.get(name)

    def get_status(self, status: Status) -> Set[Member]:
        """The other members whose status is in *status* (a real status or
        an aggregate such as ``Status.AVAILABLE``)."""
        if not isinstance(status, Status):
            raise TypeError(f'status must be a Status, not '
                            f'{type(status).__name__}')
        return frozenset(m for m in self._non_local if m.status & status)

    def find(self, count: int, *, status: Status = Status.ALL,
             exclude: Set[Member] = frozenset()) -> frozenset[Member]:
        """Up to *count* other members chosen at random among those whose
        status is in *status*, leaving out *exclude*."""
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError('count must be int')
        if count < 0:
            raise ValueError('count must not be negative')
        candidates = sorted(self.get_status(status) - exclude)
        return frozenset(
            self._random.sample(candidates, min(count, len(candidates))))

    def update(self, member: Member, *,
               new_status: Optional[Status] = None,
               new_metadata: Optional[Mapping[str, bytes]] = None) -> None:
        """Publishes new metadata for the local member (the whole map).

        Statuses are the protocol's to decide: *new_status* may only be
        the local member's own (ONLINE). Raises ValueError for another
        member, RuntimeError before the member is running.
        """
        if member is not self._local:
            raise ValueError('only the local member can be updated')
        if new_status is not None and new_status != Status.ONLINE:
            raise ValueError('the local member is ONLINE; use '
                             'Worker.leave() to leave')
        if new_metadata is None:
            return
        if self._driver is None:
            raise RuntimeError('the member is not running (enter the '
                               'transport first)')
        self._driver.set_metadata(new_metadata)

    # --- Fed by the driver --------------------------------------------------------

    def _bind(self, driver: Optional[Driver]) -> None:
        self._driver = driver

    def _on_local(self, info: MemberInfo) -> None:
        self._local._apply(info, None)
        self.listener.notify(self._local)

    def _on_member(self, kind: str, info: MemberInfo,
                   cause: Optional[Verdict]) -> None:
        if info.name == self._local.name:
            self._on_local(info)
            return
        member = self._members.get(info.name)
        if kind == 'reaped':
            if member is not None:
                del self._members[info.name]
                self._non_local.discard(member)
                member._apply(info, cause)
                self.listener.notify(member)
            return
        if member is None:
            member = Member(info.name, False, info.address)
            self._members[info.name] = member
            self._non_local.add(member)
        member._apply(info, cause)
        self.listener.notify(member)

    def _on_message(self, origin: str, payload: bytes) -> None:
        self.messages.notify(Message(origin, payload))
