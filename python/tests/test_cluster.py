"""Three Python members on loopback: join, metadata, a crash, a leave."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from conftest import start, wait_for
from swimcore import Member, Status


async def test_three_members_join_change_metadata_see_a_crash_and_a_leave(
        key: str) -> None:
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [])
        b = await start(stack, 'b', key, [a.address])
        c = await start(stack, 'c', key, [a.address],
                        local_metadata={'role': b'cache'})
        everyone = [a, b, c]

        # Join: everyone sees everyone ONLINE, with metadata.
        await wait_for(lambda: all(
            {m.name for m in x.members.get_status(Status.ONLINE)} ==
            {y.name for y in everyone if y is not x} for x in everyone),
            what='all ONLINE')
        assert a.members.get('c') is not None
        assert a.members.get('c').metadata == {'role': b'cache'}  # type: ignore[union-attr]
        assert len(a.members) == 3 and a.members.local.name == 'a'
        assert a.members.non_local == {a.members.get('b'), a.members.get('c')}

        # Metadata: a listener on b sees a's change.
        seen: list[Member] = []

        async def updated(member: Member) -> None:
            seen.append(member)

        with b.members.listener.on_notify(updated):
            a.members.update(a.members.local, new_metadata={'v': b'2'})
            await wait_for(lambda: any(
                m.name == 'a' and m.metadata == {'v': b'2'} for m in seen),
                what='metadata at b')
        await wait_for(lambda: c.members.get('a').metadata ==  # type: ignore[union-attr]
                       {'v': b'2'}, what='metadata at c')
        assert a.members.local.metadata == {'v': b'2'}

        # A broadcast reaches the others once.
        messages: list[bytes] = []

        async def message(m: object) -> None:
            messages.append(m.payload)  # type: ignore[attr-defined]

        with c.members.messages.on_notify(message):
            b.worker.broadcast(b'hello')
            await wait_for(lambda: messages == [b'hello'], what='broadcast')
            await asyncio.sleep(0.5)
        assert messages == [b'hello']

        # A crash (sockets closed, no leave): OFFLINE, with its cause.
        c.worker.stop()
        await wait_for(lambda: a.status_of('c') == Status.OFFLINE and
                       b.status_of('c') == Status.OFFLINE,
                       timeout=20, what='c OFFLINE')
        cause = a.members.get('c').cause  # type: ignore[union-attr]
        assert cause is not None
        assert cause.reason in ('timed-out', 'declared')
        assert cause.accuser in ('a', 'b')
        assert a.members.get_status(Status.UNAVAILABLE) == {
            a.members.get('c')}

        # A graceful leave: LEFT at once.
        await b.worker.leave()
        await wait_for(lambda: a.status_of('b') == Status.LEFT,
                       what='b LEFT')
        assert a.members.get('b').cause.reason == 'left'  # type: ignore[union-attr]
        assert a.worker.counters()['probes'] > 0
