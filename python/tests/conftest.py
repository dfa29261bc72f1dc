"""Shared helpers: members on loopback with fast timers."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Optional

import pytest

from swimcore import Members, Status, UdpConfig, UdpTransport, Worker

#: Timers a tenth of LAN's: a crash is found in about a second.
FAST: dict[str, Any] = dict(
    probe_interval=0.2, probe_timeout=0.08, gossip_interval=0.05,
    suspicion_mult=3, push_pull_interval=2.0)


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def key() -> str:
    return new_key()


class Member:
    def __init__(self, config: UdpConfig, members: Members,
                 worker: Worker) -> None:
        self.config = config
        self.members = members
        self.worker = worker

    @property
    def name(self) -> str:
        return self.config.local_name

    @property
    def address(self) -> str:
        host, port = self.worker.address
        return f'{host}:{port}'

    def status_of(self, name: str) -> Optional[Status]:
        member = self.members.get(name)
        return None if member is None else member.status


async def start(stack: AsyncExitStack, name: str, secret: Optional[str],
                peers: list[str], **extra: Any) -> Member:
    """A member on 127.0.0.1 at a free port, left when *stack* closes."""
    options: dict[str, Any] = {'local_address': '127.0.0.1:0', **FAST,
                               **extra}
    config = UdpConfig(local_name=name, peers=peers, secret=secret,
                       **options)
    members = Members(config)
    worker = await stack.enter_async_context(
        UdpTransport(config).enter(members))
    return Member(config, members, worker)


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0,
                   what: str = 'condition') -> float:
    """Waits until *condition* holds; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f'{what}: not within {timeout} s')
        await asyncio.sleep(0.02)
    return time.monotonic() - start
