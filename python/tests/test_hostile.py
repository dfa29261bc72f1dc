"""What an outsider can send a Python member: junk datagrams and streams
are dropped and counted, connections that do not authenticate are closed,
and the member goes on."""

from __future__ import annotations

import asyncio
import socket
from contextlib import AsyncExitStack

import pytest

from conftest import start, wait_for
from swimcore import Status
from swimcore._driver import DriverLimits


async def closed_by_peer(reader: asyncio.StreamReader,
                         timeout: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), timeout) == b''
    except (ConnectionResetError, asyncio.TimeoutError):
        return False


async def test_junk_is_dropped_and_streams_that_fail_are_closed(
        key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DriverLimits, 'read_timeout', 0.5)
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [])
        b = await start(stack, 'b', key, [a.address])
        await wait_for(lambda: a.status_of('b') == Status.ONLINE)
        host, port = a.worker.address

        # Junk datagrams: counted, nothing else.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for size in (0, 1, 7, 64, 1400):
                udp.sendto(b'\xab' * size, (host, port))
        await wait_for(lambda: sum(
            v for k, v in a.worker.counters().items()
            if k.startswith('envelope_drops_')) >= 4, what='drops counted')

        # A frame that fails authentication: closed at once, well before
        # the read timeout.
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b'\x00\x00\x00\x20' + b'\xab' * 32)
        assert await closed_by_peer(reader, 0.25)
        writer.close()

        # A connection that sends nothing: closed at the read timeout.
        reader, writer = await asyncio.open_connection(host, port)
        assert not await closed_by_peer(reader, 0.2)
        assert await closed_by_peer(reader, 2.0)
        writer.close()

        # More silent connections from one host than it may hold: the
        # newest are refused.
        conns = [await asyncio.open_connection(host, port)
                 for _ in range(DriverLimits.max_unauthenticated_per_host)]
        reader, writer = await asyncio.open_connection(host, port)
        assert await closed_by_peer(reader, 0.3)
        writer.close()
        for _, w in conns:
            w.close()

        # The member is as it was: b is ONLINE and news still spreads.
        a.members.update(a.members.local, new_metadata={'after': b'junk'})
        await wait_for(lambda: b.members.get('a').metadata ==  # type: ignore[union-attr]
                       {'after': b'junk'}, what='news after the junk')
        assert a.status_of('b') == Status.ONLINE
