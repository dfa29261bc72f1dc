"""The transport: swim-protocol's ``UdpConfig`` and ``UdpTransport``,
backed by swim's core (UDP for probes and gossip, TCP for state
exchanges, as the C++ drivers do)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final, Optional

from ._driver import Driver
from .config import BaseConfig
from .members import Members
from .worker import Worker

__all__ = ['UdpConfig', 'UdpTransport']


class UdpConfig(BaseConfig):
    """The configuration of a member on UDP and TCP sockets; the arguments
    are :class:`~swimcore.config.BaseConfig`'s."""


class UdpTransport:
    """Runs a member on the running asyncio loop.

    Either as swim-protocol does today::

        worker = Worker(config, members)
        async with UdpTransport(config, worker), worker:
            ...

    or as its earlier releases did::

        async with UdpTransport(config).enter(members) as worker:
            ...

    Entering binds the sockets, creates the member and joins through the
    peers; leaving leaves the cluster gracefully (within the config's
    ``leave_timeout``) and closes the sockets.
    """

    def __init__(self, config: BaseConfig,
                 worker: Optional[Worker] = None) -> None:
        if not isinstance(config, BaseConfig):
            raise TypeError('config must be a UdpConfig')
        if worker is not None and not isinstance(worker, Worker):
            raise TypeError('worker must be a Worker')
        self.config: Final = config
        self.worker: Final = worker
        self._driver: Optional[Driver] = None

    async def __aenter__(self) -> UdpTransport:
        if self.worker is None:
            raise RuntimeError('UdpTransport(config) without a worker: use '
                               'transport.enter(members)')
        if self._driver is not None:
            raise RuntimeError('this transport runs already')
        driver = Driver(self.config, self.worker.members)
        self.worker._attach(driver)  # raises if the worker runs already
        try:
            await driver.start()
        except BaseException:
            self.worker._detach()
            raise
        self._driver = driver
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._driver is not None:
            await self._driver.leave()  # graceful: the others see LEFT

    @asynccontextmanager
    async def enter(self, members: Members) -> AsyncIterator[Worker]:
        """Runs a member for *members*; yields its :class:`Worker`."""
        worker = Worker(self.config, members)
        async with UdpTransport(self.config, worker):
            yield worker
