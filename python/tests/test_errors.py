"""Bad input to every public call: a clear exception, the member usable."""

from __future__ import annotations

import asyncio
import socket
from contextlib import AsyncExitStack

import pytest

from conftest import FAST, new_key, start, wait_for
from swimcore import (AlreadyExists, ConfigError, FailedPrecondition,
                      InsecureWarning, InvalidArgument, Members, NotFound,
                      Status, UdpConfig, UdpTransport, Worker)
from swimcore._native import (NativeConfig, NativeNode, _member_out,
                              _verdict_out, ffi, format_address,
                              keys_from_secret, parse_address)


def test_config_refuses_what_cannot_work(key: str) -> None:
    good = dict(local_name='a', local_address='127.0.0.1:0', secret=key)
    cases: list[tuple[dict[str, object], str]] = [
        ({'local_name': ''}, 'local_name'),
        ({'local_name': 7}, 'local_name'),
        ({'local_name': 'a\udcff'}, 'UTF-8'),
        ({'local_name': 'no-port', 'local_address': None}, 'HOST:PORT'),
        ({'local_address': '127.0.0.1:99999'}, 'port'),
        ({'peers': '127.0.0.1:1'}, 'list'),
        ({'peers': ['nowhere']}, 'HOST:PORT'),
        ({'local_metadata': {'k': 'text'}}, 'bytes'),
        ({'local_metadata': {1: b'v'}}, 'str'),
        ({'secret': b'short'}, '16, 24 or 32'),
        ({'secret': 'key1,key2'}, 'not a key'),
        ({'secret': 'passphrase:'}, 'passphrase'),
        ({'secret': ' '}, 'empty'),
        ({'secret': 42}, 'secret'),
        ({'preset': 'fast'}, 'preset'),
        ({'leave_timeout': 0}, 'leave_timeout'),
        ({'leave_timeout': float('nan')}, 'leave_timeout'),
        ({'leave_timeout': '5'}, 'leave_timeout'),
        ({'label': 'a\0b'}, 'NUL'),
        ({'label': '\udcff'}, 'UTF-8'),
        ({'seed': -1}, 'seed'),
        ({'seed': 2**64}, 'seed'),
        ({'seed': 1.5}, 'seed'),
        ({'probe_speed': 1}, 'not a tunable'),
        ({'probe_interval': -float('inf')}, 'negative'),
        ({'probe_interval': float('nan')}, 'seconds'),
        ({'indirect_checks': 2.5}, 'int'),
        ({'indirect_checks': float('inf')}, 'int'),
        ({'indirect_checks': -1}, 'negative'),
        ({'tcp_only': 'yes'}, 'int'),
    ]
    for change, words in cases:
        with pytest.raises(ConfigError, match=words):
            UdpConfig(**{**good, **change})  # type: ignore[arg-type]
    # Text that is not a key is a passphrase, with a warning.
    with pytest.warns(InsecureWarning, match='passphrase'):
        config = UdpConfig(**{**good, 'secret': 'my secret'})  # type: ignore[arg-type]
    assert config.keys == keys_from_secret('passphrase:my secret')
    with pytest.raises(TypeError):
        Members(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Worker(config, object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        UdpTransport(object())  # type: ignore[arg-type]


async def test_the_core_refuses_a_config_naming_the_field(key: str) -> None:
    async with AsyncExitStack() as stack:
        with pytest.raises(InvalidArgument, match='probe_timeout'):
            await start(stack, 'a', key, [], probe_timeout=5.0)
        with pytest.raises(ValueError, match='not a tunable'):
            await start(stack, 'a', key, [], probe_speed=1)
        with pytest.raises(InvalidArgument, match='lifeguard_awareness_max'):
            await start(stack, 'a', key, [], lifeguard_awareness_max=0)
        # Nothing was left bound: the same name starts now.
        member = await start(stack, 'a', key, [])
        assert member.worker.address[1] > 0


async def test_bad_calls_raise_and_the_member_goes_on(key: str) -> None:
    async with AsyncExitStack() as stack:
        a = await start(stack, 'a', key, [])
        b = await start(stack, 'b', key, [a.address])
        await wait_for(lambda: a.status_of('b') == Status.ONLINE)
        local = a.members.local

        bad_metadata: list[object] = [
            {'k': 'text'}, {'': b'v'}, {'k' * 256: b'v'}, {'\udcff': b'v'},
            {1: b'v'}, ['k', b'v'], {'k': b'v' * 4096}]
        for metadata in bad_metadata:
            with pytest.raises((TypeError, ValueError)):
                a.members.update(local, new_metadata=metadata)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            a.members.update(b.members.local, new_metadata={})
        with pytest.raises(ValueError):
            a.members.update(local, new_status=Status.OFFLINE)
        with pytest.raises(TypeError):
            a.members.get_status('ONLINE')  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            a.members.get(3)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            a.members.find(-1)
        with pytest.raises(TypeError):
            a.members.find(1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            a.worker.broadcast('text')  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument):
            a.worker.broadcast(b'x' * 70000)
        with pytest.raises(NotFound):
            a.worker.remove('nobody')
        # A name is any bytes on the wire: one with a NUL, or bytes that
        # are not UTF-8 (lone surrogates here), is looked up, not refused.
        with pytest.raises(NotFound):
            a.worker.remove('no\0body\udcff')
        with pytest.raises(InvalidArgument):
            a.worker.remove('')
        with pytest.raises(UnicodeEncodeError):
            a.worker.remove('\ud800')
        with pytest.raises(InvalidArgument):
            a.worker.remove('a')
        with pytest.raises(InvalidArgument):
            a.worker.add_key(b'short')
        with pytest.raises(AlreadyExists):
            a.worker.add_key(keys_from_secret(key)[0])
        with pytest.raises(NotFound):
            a.worker.use_key(bytes(32))
        with pytest.raises(FailedPrecondition):
            a.worker.remove_key(keys_from_secret(key)[0])
        with pytest.raises(TypeError):
            a.worker.add_key('text')  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            a.members.listener.on_notify(42)  # type: ignore[arg-type]

        # Nothing changed, and the member still works.
        assert local.metadata == {} and local.incarnation[1] == 0
        a.members.update(local, new_metadata={'k': b'v'})
        await wait_for(lambda: b.members.get('a').metadata == {'k': b'v'})  # type: ignore[union-attr]
        assert a.members.find(5) == {a.members.get('b')}

        # Rotation works once the arguments are right.
        new = keys_from_secret(new_key())[0]
        for m in (a, b):
            m.worker.add_key(new)
        for m in (a, b):
            m.worker.use_key(new)
        a.members.update(local, new_metadata={'k': b'rotated'})
        await wait_for(lambda: b.members.get('a').metadata ==  # type: ignore[union-attr]
                       {'k': b'rotated'})

        # A bad leave timeout is refused before anything is done.
        for timeout in ('5', float('nan'), -1.0, True):
            with pytest.raises(ValueError, match='timeout'):
                await b.worker.leave(timeout)  # type: ignore[arg-type]
        assert a.status_of('b') == Status.ONLINE
        b.worker.broadcast(b'still running')

        # The node is not thread-safe: a call from another thread is
        # refused, and the member goes on.
        for call in (a.worker.counters, a.worker.stop,
                     lambda: a.worker.broadcast(b'x'),
                     lambda: a.members.update(local, new_metadata={})):
            with pytest.raises(RuntimeError, match='thread'):
                await asyncio.to_thread(call)
        assert 'probes' in a.worker.counters()  # still answers

        # Set operations give plain sets of members.
        assert a.members - {local} == a.members.non_local
        assert a.members & {local} == {local}
        assert (a.members | set()) == set(a.members)

        # After leaving, commands fail clearly.
        await a.worker.leave()
        with pytest.raises(RuntimeError):
            a.worker.broadcast(b'late')
        with pytest.raises(RuntimeError):
            a.members.update(local, new_metadata={})


def test_addresses_and_secrets() -> None:
    assert parse_address('[::1]:7946') == ('::1', 7946)
    assert format_address(('::1', 7946)) == '[::1]:7946'
    assert format_address(('127.0.0.1', 1)) == '127.0.0.1:1'
    for bad in ('example.com:80', '1.2.3.4', ''):
        with pytest.raises(ValueError):
            parse_address(bad)
    for address in [('example.com', 80), ('1.2.3.4', 70000), ('1.2.3.4',),
                    ('1.2.3.4', True), 'x']:
        with pytest.raises((TypeError, ValueError)):
            format_address(address)  # type: ignore[arg-type]
    # Passphrases stretch as swim's programs do: per label.
    one = keys_from_secret('passphrase:correct horse', 'x')
    assert len(one) == 1 and len(one[0]) == 32
    assert one != keys_from_secret('passphrase:correct horse', 'y')
    with pytest.raises(InvalidArgument, match='not a key'):
        keys_from_secret('hunter2')
    assert FAST['probe_interval'] > 0


def test_metadata_keys_that_are_not_utf8_stay_apart() -> None:
    # Keys are any bytes on the wire, as names are: two that are not
    # UTF-8 are two entries, not one replacement character.
    keys = [ffi.new('char[]', b'\xff'), ffi.new('char[]', b'\xfe')]
    values = [ffi.new('uint8_t[]', b'1'), ffi.new('uint8_t[]', b'2')]
    entries = ffi.new('swim_metadata_entry[]', 2)
    for i in range(2):
        entries[i].key = keys[i]
        entries[i].key_size = 1
        entries[i].value = values[i]
        entries[i].value_size = 1
    name = ffi.new('char[]', b'm')
    member = ffi.new('swim_member*')
    member.struct_size = ffi.sizeof('swim_member')
    member.name = name
    member.name_size = 1
    member.metadata = entries
    member.metadata_count = 2
    assert _member_out(member).metadata == {'\udcff': b'1', '\udcfe': b'2'}


async def test_a_cancelled_start_leaves_no_socket_behind(key: str) -> None:
    # Cancelled at every step of its start, a member leaves nothing bound:
    # the same fixed port starts a member afterwards.
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    for steps in range(12):
        config = UdpConfig(local_name=f'127.0.0.1:{port}', secret=key,
                           **FAST)
        members = Members(config)

        async def run() -> None:
            async with UdpTransport(config).enter(members):
                await asyncio.sleep(3600)

        task = asyncio.create_task(run())
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as held:
                held.bind(('127.0.0.1', port))  # free again


def test_the_names_in_a_verdict_are_read_by_size() -> None:
    # Peers' names are any bytes: one holding a NUL and a byte that is not
    # UTF-8 arrives whole, the byte as the lone surrogate os.fsdecode makes.
    odd = ffi.new('char[]', b'odd\0\xff')
    helper = ffi.new('char[]', b'h\0\xfe')
    helpers = ffi.new('char*[]', [helper])
    helper_sizes = ffi.new('size_t[]', [3])
    confirmations = ffi.new('swim_confirmation[]', 1)
    confirmations[0].member = odd
    confirmations[0].member_size = 5
    confirmations[0].at = 7
    verdict = ffi.new('swim_verdict*')
    verdict.struct_size = ffi.sizeof('swim_verdict')
    verdict.accuser = odd
    verdict.accuser_size = 5
    verdict.declared_by = odd
    verdict.declared_by_size = 5
    verdict.has_probe = 1
    verdict.probe_helpers = helpers
    verdict.probe_helper_sizes = helper_sizes
    verdict.probe_helper_count = 1
    verdict.confirmations = confirmations
    verdict.confirmation_count = 1
    out = _verdict_out(verdict)
    assert out.accuser == 'odd\x00\udcff'
    assert out.declared_by == 'odd\x00\udcff'
    assert out.probe_helpers == ('h\x00\udcfe',)
    assert [(c.member, c.at) for c in out.confirmations] == [
        ('odd\x00\udcff', 7)]


def test_a_closed_node_refuses_every_call() -> None:
    node = NativeNode(NativeConfig(name='a', address=('127.0.0.1', 7946),
                                   keys=[bytes(32)]), 0)
    assert node.lifecycle == 'active'
    node.close()
    # Freed at once (its keys wiped); no call reaches the library.
    with pytest.raises(FailedPrecondition, match='closed'):
        node.lifecycle
    with pytest.raises(FailedPrecondition, match='closed'):
        node.counters()
    with pytest.raises(FailedPrecondition, match='closed'):
        node.handle_timeout(1)
    with pytest.raises(FailedPrecondition, match='closed'):
        node.add_key(bytes(range(32)))
    node.close()  # again: nothing


async def test_a_stopped_member_frees_its_node(key: str) -> None:
    async with AsyncExitStack() as stack:
        member = await start(stack, 'a', key, [])
        driver = member.worker._running()
        node = driver.node
        assert node is not None
        member.worker.stop()
        assert driver.node is None
        with pytest.raises(FailedPrecondition, match='closed'):
            node.counters()
        with pytest.raises(RuntimeError, match='not running'):
            member.worker.counters()


async def test_a_node_broken_by_running_out_of_memory_stops_the_member(
        key: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # The library refuses every call on a node an allocation failure broke
    # (docs/c_api.md, "Out of memory"): the member stops, saying why, and
    # a command's caller gets the error.
    async with AsyncExitStack() as stack:
        member = await start(stack, 'a', key, [])
        driver = member.worker._running()
        node = driver.node
        assert node is not None and not node.broken

        def out_of_memory(*args: object) -> None:
            raise MemoryError('out of memory while changing the node')

        monkeypatch.setattr(node, 'handle_timeout', out_of_memory)
        monkeypatch.setattr(NativeNode, 'broken', property(lambda _: True))
        with caplog.at_level('ERROR', logger='swimcore'):
            await asyncio.wait_for(member.worker.run(), 10)
        assert 'the member stops' in caplog.text
        assert driver.node is None

        other = await start(stack, 'b', key, [])
        monkeypatch.setattr(other.worker._running().node, 'broadcast',
                            out_of_memory)
        with pytest.raises(MemoryError):
            other.worker.broadcast(b'x')
        await asyncio.wait_for(other.worker.run(), 1)
