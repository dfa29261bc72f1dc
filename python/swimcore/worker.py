"""The running member: swim-protocol's ``Worker``, plus swim's commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Optional

from ._native import Address
from .config import BaseConfig
from .members import Members

if TYPE_CHECKING:
    from ._driver import Driver

__all__ = ['Worker']


class Worker:
    """The member's protocol work, for *config* and *members*.

    As in swim-protocol, the transport runs it: enter
    ``UdpTransport(config, worker)``, then the worker (``async with``),
    or use ``UdpTransport(config).enter(members)``, which yields one. The
    member works from the moment the transport is entered; leaving the
    worker's context leaves the cluster gracefully.
    """

    def __init__(self, config: BaseConfig, members: Members) -> None:
        if not isinstance(config, BaseConfig):
            raise TypeError('config must be a UdpConfig')
        if not isinstance(members, Members):
            raise TypeError('members must be a Members')
        self.config: Final = config
        self.members: Final = members
        self._driver: Optional[Driver] = None

    def _attach(self, driver: Driver) -> None:
        if self._driver is not None:
            raise RuntimeError('this worker runs already')
        self._driver = driver

    def _detach(self) -> None:
        self._driver = None

    def _running(self) -> Driver:
        if self._driver is None:
            raise RuntimeError('the member is not running (enter the '
                               'transport first)')
        return self._driver

    async def __aenter__(self) -> Worker:
        self._running()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._driver is not None:
            await self._driver.leave()  # graceful: the others see LEFT

    async def run(self) -> None:
        """Waits until the member stops (after :meth:`leave` or
        :meth:`stop`); cancelling it stops nothing."""
        await self._running().wait_stopped()

    @property
    def address(self) -> Address:
        """``(host, port)`` the others reach this member at."""
        return self._running().address

    async def leave(self, timeout: Optional[float] = None) -> None:
        """Leaves the cluster gracefully (the others see LEFT) and stops."""
        await self._running().leave(timeout)

    def stop(self) -> None:
        """Stops at once without leaving: the others will find it
        OFFLINE, as after a crash."""
        self._running().stop()

    def broadcast(self, payload: bytes) -> None:
        """Sends *payload* (up to 65 535 bytes) to every member
        (``members.messages`` there, once). One that fits a datagram rides
        the gossip; a larger one goes by stream."""
        self._running().broadcast(payload)

    def remove(self, name: str) -> None:
        """Removes a member known to be gone for good."""
        self._running().remove(name)

    def add_key(self, key: bytes) -> None:
        """Key rotation: installs a key that opens packets."""
        self._running().rotate_key('add', key)

    def use_key(self, key: bytes) -> None:
        """Key rotation: seals with an installed key."""
        self._running().rotate_key('use', key)

    def remove_key(self, key: bytes) -> None:
        """Key rotation: uninstalls a key (not the sealing one)."""
        self._running().rotate_key('remove', key)

    def counters(self) -> dict[str, int]:
        """Every counter and gauge by name (docs/c_api.md, "Counters")."""
        return self._running()._require().counters()
