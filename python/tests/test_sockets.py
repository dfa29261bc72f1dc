"""The driver's sockets: a failed start leaves nothing running, and a
member bound to [::] takes IPv4 peers on both UDP and TCP."""

from __future__ import annotations

import socket
from contextlib import AsyncExitStack

import pytest

from conftest import start, wait_for
from swimcore import InvalidArgument, Status
from test_mixed import free_port


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(('::', 0))
        return True
    except OSError:
        return False


async def test_a_failed_start_leaves_nothing_running(key: str) -> None:
    port = free_port()
    async with AsyncExitStack() as stack:
        # Refused by the core once the sockets are bound: metadata above
        # the size limit.
        with pytest.raises(InvalidArgument, match='metadata'):
            await start(stack, 'a', key, [],
                        local_address=f'127.0.0.1:{port}',
                        local_metadata={'k': bytes(100_000)})
        # Its port is free again: a member starts on it.
        member = await start(stack, 'a', key, [],
                             local_address=f'127.0.0.1:{port}')
        assert member.worker.address == ('127.0.0.1', port)


@pytest.mark.skipif(not ipv6_available(), reason='no IPv6 on this host')
async def test_a_member_bound_to_the_ipv6_wildcard_takes_ipv4_peers(
        key: str) -> None:
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [], bind='[::]:0')
        b = await start(stack, 'b', key, [a.address])
        c = await start(stack, 'c', key, [a.address])
        # b and c reach a by IPv4 (state exchange over TCP, probes over
        # UDP), and a answers them: all see each other.
        await wait_for(lambda: all(
            m.status_of(n) == Status.ONLINE for m in (a, b, c)
            for n in 'abc' if n != m.name), what='all ONLINE')
        a.members.update(a.members.local, new_metadata={'v6': b'yes'})
        await wait_for(lambda: b.members.get('a').metadata ==  # type: ignore[union-attr]
                       {'v6': b'yes'}, what='news from a')
