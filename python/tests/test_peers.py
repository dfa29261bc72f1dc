"""Peers given by name: every address a name resolves to is a peer, a name
that does not resolve yet is retried, one that moved is followed, as in
swim's C++ drivers (swim::net::SeedResolver). Resolution is replaced by a
table the tests change, so nothing depends on this host's DNS."""

from __future__ import annotations

import asyncio
import logging
import socket
from contextlib import AsyncExitStack
from typing import Any

import pytest

from conftest import start, wait_for
from swimcore import Status, _driver

#: An address on loopback where nothing listens (127.0.0.0/8 is all local).
NOBODY = '127.0.0.2'


class FakeDns:
    """Answers getaddrinfo from a table: name -> addresses, or an error."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.table: dict[str, list[str]] = {}
        self.queries: list[str] = []
        loop = asyncio.get_running_loop()
        real = loop.getaddrinfo

        async def getaddrinfo(host: Any, port: Any, *args: Any,
                              **kwargs: Any) -> list[Any]:
            if host not in self.table and not host.endswith('.test'):
                return await real(host, port, *args, **kwargs)
            self.queries.append(host)
            if not self.table.get(host):
                raise socket.gaierror(socket.EAI_NONAME,
                                      'Name or service not known')
            return [(socket.AF_INET6 if ':' in ip else socket.AF_INET,
                     socket.SOCK_DGRAM, 17, '', (ip, port))
                    for ip in self.table[host]]

        monkeypatch.setattr(loop, 'getaddrinfo', getaddrinfo)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_driver.DriverLimits, 'min_resolve_backoff', 0.05)
    monkeypatch.setattr(_driver.DriverLimits, 'max_resolve_backoff', 0.2)
    monkeypatch.setattr(_driver.DriverLimits, 'seed_refresh_interval', 0.2)


def port_of(address: str) -> int:
    return int(address.rpartition(':')[2])


async def test_every_address_of_a_name_is_a_peer(
        key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dns = FakeDns(monkeypatch)
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [])
        # The first address reaches nobody (an AAAA record of a host that
        # listens on IPv4 only, say); the second is a.
        dns.table['seeds.test'] = [NOBODY, '127.0.0.1']
        b = await start(stack, 'b', key, [f'seeds.test:{port_of(a.address)}'])
        await wait_for(lambda: b.status_of('a') == Status.ONLINE and
                       a.status_of('b') == Status.ONLINE, what='a and b')


async def test_a_name_that_does_not_resolve_yet_is_retried(
        key: str, monkeypatch: pytest.MonkeyPatch, fast_retries: None,
        caplog: pytest.LogCaptureFixture) -> None:
    dns = FakeDns(monkeypatch)
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [])
        # Not registered yet (a service still starting): the member starts
        # alone and says so, then joins once the name resolves.
        with caplog.at_level(logging.WARNING, logger='swimcore'):
            b = await start(stack, 'b', key,
                            [f'later.test:{port_of(a.address)}'])
            await wait_for(lambda: dns.queries.count('later.test') >= 3,
                           what='retries')
        assert b.status_of('a') is None
        assert 'peer later.test:' in caplog.text
        assert 'does not resolve' in caplog.text
        dns.table['later.test'] = ['127.0.0.1']
        await wait_for(lambda: b.status_of('a') == Status.ONLINE and
                       a.status_of('b') == Status.ONLINE, what='a and b')


async def test_a_name_that_moved_is_followed(
        key: str, monkeypatch: pytest.MonkeyPatch,
        fast_retries: None) -> None:
    dns = FakeDns(monkeypatch)
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [])
        dns.table['moved.test'] = [NOBODY]
        b = await start(stack, 'b', key, [f'moved.test:{port_of(a.address)}'])
        await wait_for(lambda: dns.queries.count('moved.test') >= 2,
                       what='a refresh')
        assert b.status_of('a') is None
        # The name now points at a: the next refresh finds it.
        dns.table['moved.test'] = ['127.0.0.1']
        await wait_for(lambda: b.status_of('a') == Status.ONLINE,
                       what='b joins a')


async def test_a_name_that_is_not_a_dns_name_is_retried_not_raised(
        key: str, monkeypatch: pytest.MonkeyPatch, fast_retries: None,
        caplog: pytest.LogCaptureFixture) -> None:
    async with AsyncExitStack() as stack:
        with caplog.at_level(logging.WARNING, logger='swimcore'):
            # An empty label: the IDNA codec refuses it before any lookup.
            b = await start(stack, 'b', key, ['bad..name:7946'])
            await wait_for(lambda: 'bad..name:7946' in caplog.text,
                           what='the warning')
        assert b.members.local.status == Status.ONLINE
        assert len(b.members.non_local) == 0


async def test_a_stopped_member_resolves_no_more(
        key: str, monkeypatch: pytest.MonkeyPatch,
        fast_retries: None) -> None:
    dns = FakeDns(monkeypatch)
    async with AsyncExitStack() as stack:
        b = await start(stack, 'b', key, ['gone.test:7946'])
        await wait_for(lambda: len(dns.queries) >= 2, what='retries')
        b.worker.stop()
        await asyncio.sleep(0.05)
        asked = len(dns.queries)
        await asyncio.sleep(0.5)  # more than two retries' time
        assert len(dns.queries) == asked
        with pytest.raises(RuntimeError, match='not running'):
            b.worker.counters()
