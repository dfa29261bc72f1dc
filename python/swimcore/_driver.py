"""Drives a NativeNode on asyncio: one UDP socket, a TCP listener and
outgoing TCP connections, and one timer, all on the running loop (no
threads; calls from another thread are refused, as the node is not
thread-safe). The same policy as the C++ drivers (docs/drivers.md): the node
authenticates every stream byte and says which connections to keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import math
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any, Literal, Optional

from ._native import (Address, NativeConfig, NativeNode, SwimError,
                      Transmit)
from .config import BaseConfig
from .members import Members

__all__ = ['Driver', 'DriverLimits']

_log = logging.getLogger('swimcore')

_VERDICT_PROGRESS = 1
_VERDICT_CLOSE = 2


class DriverLimits:
    """The sockets' side of the stream policy (swim::DriverOptions)."""
    connect_timeout = 5.0
    read_timeout = 10.0
    write_timeout = 10.0
    idle_timeout = 5.0
    max_connections = 64
    max_connections_per_host = 32
    max_unauthenticated_per_host = 16
    max_queued_stream_bytes = 64 << 20
    # Peer names (swim::DriverOptions, "Seeds"): one that does not resolve
    # is retried after min_resolve_backoff, doubling up to
    # max_resolve_backoff; one that resolved is resolved again every
    # seed_refresh_interval (0: never), so peers that moved are found.
    min_resolve_backoff = 1.0
    max_resolve_backoff = 30.0
    seed_refresh_interval = 300.0
    # The most addresses one name yields (swim::net::kMaxAddressesPerName):
    # each costs a state exchange on every join attempt.
    max_addresses_per_name = 64
    # The most seeds the node takes (swim::Node::kMaxSeeds): the first ones.
    max_seeds = 4096


def _now() -> int:
    return time.monotonic_ns()


def _host_port(address: Address) -> str:
    host, port = address
    return f'[{host}]:{port}' if ':' in host else f'{host}:{port}'


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ':' in host else socket.AF_INET,
                         host)
        return True
    except OSError:
        return False


class _Connection(asyncio.Protocol):
    """One TCP connection, incoming or outgoing, known to the node by id."""

    def __init__(self, driver: Driver, stream_id: int, peer: Address,
                 incoming: bool) -> None:
        self.driver = driver
        self.id = stream_id
        self.peer = peer
        self.incoming = incoming
        self.transport: Optional[asyncio.Transport] = None
        self.pending: list[bytes] = []  # written before connecting
        self.authenticated = False
        self.closed = False
        self.node_forgot = False  # the node closed it (verdict CLOSE)
        self.timer: Optional[asyncio.TimerHandle] = None
        self.write_timer: Optional[asyncio.TimerHandle] = None

    # asyncio callbacks -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.closed:  # the driver stopped while it was connecting
            transport.abort()
            return
        if self.incoming:
            peer = transport.get_extra_info('peername')
            self.peer = (peer[0], peer[1])
            if not self.driver._admit(self):
                self.closed = True
                transport.abort()
                return
            self._arm(DriverLimits.read_timeout)
        else:
            for data in self.pending:
                transport.write(data)
            self.pending.clear()
            self._arm(DriverLimits.idle_timeout)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self.driver._stream_data(self, data)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._finish()

    def pause_writing(self) -> None:
        # The peer stopped reading: give it write_timeout to resume.
        if self.write_timer is None:
            self.write_timer = self.driver.loop.call_later(
                DriverLimits.write_timeout, self.abort)

    def resume_writing(self) -> None:
        if self.write_timer is not None:
            self.write_timer.cancel()
            self.write_timer = None

    # ---------------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.driver.loop.call_later(seconds, self._expired)

    def _expired(self) -> None:
        # An outgoing connection is idle only with nothing left to send: a
        # large message still flushing keeps it (write_timeout watches a
        # peer that stopped reading).
        if not self.incoming and self.queued() > 0 and not self.closed:
            self._arm(DriverLimits.idle_timeout)
            return
        self.abort()

    def progress(self) -> None:
        self.authenticated = True
        self._arm(DriverLimits.read_timeout if self.incoming
                  else DriverLimits.idle_timeout)

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.transport is None:
            self.pending.append(data)
            return
        self.transport.write(data)
        if not self.incoming:
            self._arm(DriverLimits.idle_timeout)

    def queued(self) -> int:
        if self.transport is None:
            return sum(len(data) for data in self.pending)
        return self.transport.get_write_buffer_size()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()  # connection_lost follows
        self._finish()

    def _finish(self) -> None:
        if self.closed and self.timer is None:
            return
        self.closed = True
        for timer in (self.timer, self.write_timer):
            if timer is not None:
                timer.cancel()
        self.timer = self.write_timer = None
        self.driver._stream_closed(self)


class _Datagrams(asyncio.DatagramProtocol):

    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.driver._datagram(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (a port closed at a crashed member): nothing to do;
        # the protocol's probes notice.
        pass


class Driver:
    """Owns the sockets and the timer of one member and feeds its node."""

    def __init__(self, config: BaseConfig, members: Members) -> None:
        self.config = config
        self.members = members
        self.loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self.node: Optional[NativeNode] = None
        self._udp: Optional[asyncio.DatagramTransport] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._connections: dict[int, _Connection] = {}
        self._outgoing: dict[Address, _Connection] = {}
        self._next_stream = 1
        self._timer: Optional[asyncio.TimerHandle] = None
        self._deadline: Optional[int] = None
        self._left = asyncio.Event()
        self._stopped = asyncio.Event()
        self._draining = False
        self._drain_again = False
        self._connects: set[asyncio.Task[None]] = set()
        self._udp_ipv6 = False
        self.address: Address = config.address
        # Peers: IP addresses as given, names as they resolve (in the
        # background, one task per name); the node is told their union.
        self._literal_seeds: list[Address] = []
        self._resolved_seeds: dict[Address, list[Address]] = {}
        self._join_addresses: list[Address] = []
        self._resolvers: set[asyncio.Task[None]] = set()

    # --- Life -------------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        host, port = config.address
        address_host = await self._resolve(host, port)
        bind = config.bind or (address_host, port)
        server, udp, bound_port = await self._bind(bind)
        self._server, self._udp = server, udp
        advertised_port = port if port != 0 else bound_port
        self.address = (address_host, advertised_port)
        try:
            names = list(dict.fromkeys(
                peer for peer in config.peers if not _is_ip(peer[0])))
            self._literal_seeds = list(dict.fromkeys(
                peer for peer in config.peers if _is_ip(peer[0])))
            self.node = NativeNode(NativeConfig(
                name=config.local_name, address=self.address,
                keys=config.keys,
                security_mode='encrypted' if config.keys else 'plaintext',
                label=config.label, metadata=config.local_metadata,
                preset=config.preset, seed=config.seed,
                tunables=config.tunables), _now())
            self.members._bind(self)
            self.members._local._apply(self.node.local(), None)
            # As the C++ drivers: IP addresses are joined at once, names
            # once they resolve (with only names, the member waits alone).
            if self._literal_seeds or not names:
                self._join_addresses = self._seed_addresses()
                self.node.join(self._join_addresses, _now())
            for name in names:
                task = self.loop.create_task(self._follow_seed(name))
                self._resolvers.add(task)
                task.add_done_callback(self._resolvers.discard)
            self._after()
        except BaseException:
            # Nothing of a failed start keeps running.
            self.stop()
            raise

    async def leave(self, timeout: Optional[float] = None) -> None:
        """Leaves gracefully: waits until the news went out (or
        *timeout*, the config's leave_timeout by default), then stops."""
        self._check_thread()
        if timeout is not None and (
                isinstance(timeout, bool) or
                not isinstance(timeout, (int, float)) or
                math.isnan(timeout) or timeout < 0):
            raise ValueError('timeout must be None or a number of seconds, '
                             f'not {timeout!r}')
        node = self.node
        if node is None or self._stopped.is_set():
            return
        try:
            if node.lifecycle == 'active':
                node.leave(_now())
                self._after()
            # Left, or stopped meanwhile (by another task).
            waits = [asyncio.ensure_future(self._left.wait()),
                     asyncio.ensure_future(self._stopped.wait())]
            try:
                _, pending = await asyncio.wait(
                    waits, return_when=asyncio.FIRST_COMPLETED,
                    timeout=self.config.leave_timeout if timeout is None
                    else timeout)
            finally:
                for wait in waits:
                    wait.cancel()
            if len(pending) == len(waits):
                _log.warning('%s: leave timed out; stopping anyway',
                             self.config.local_name)
        finally:
            self.stop()  # cancelled or not

    def stop(self) -> None:
        """Stops at once: closes every socket (no leave)."""
        self._check_thread()
        if self._stopped.is_set():
            return
        if self.node is not None and not self.node.broken:
            # The local member as it ends (a leave bumps its incarnation).
            self.members._local._apply(self.node.local(), None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._connects) + list(self._resolvers):
            task.cancel()
        for connection in list(self._connections.values()):
            connection.closed = True
            if connection.transport is not None:
                connection.transport.abort()
        self._connections.clear()
        self._outgoing.clear()
        self._close_sockets()
        self.members._bind(None)
        self._stopped.set()
        if self.node is not None:
            # Freed now, not when the Worker goes: the keys leave the heap.
            node, self.node = self.node, None
            node.close()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    def _close_sockets(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _resolve(self, host: str, port: int) -> str:
        """This member's own address: the first the name resolves to."""
        if _is_ip(host):
            return host
        return (await self._resolve_all(host, port))[0][0]

    async def _resolve_all(self, host: str, port: int) -> list[Address]:
        """Every IPv4 and IPv6 address *host* names, deduplicated, in the
        resolver's order, the first max_addresses_per_name."""
        try:
            infos = await self.loop.getaddrinfo(host, port,
                                                type=socket.SOCK_DGRAM)
        except UnicodeError as e:  # not a possible DNS name
            raise OSError(f'{host}: {e}') from None
        addresses: list[Address] = []
        for family, _, _, _, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            # An IPv6 scope (fe80::1%eth0) is dropped, as in the C++ drivers.
            address = (str(sockaddr[0]).partition('%')[0], port)
            if address not in addresses:
                addresses.append(address)
                if len(addresses) == DriverLimits.max_addresses_per_name:
                    break
        if not addresses:
            raise OSError(f'{host}: no IPv4 or IPv6 address')
        return addresses

    async def _follow_seed(self, name: Address) -> None:
        """Resolves one peer name until the member stops: retried with
        backoff while it fails, then again every seed_refresh_interval."""
        host, port = name
        backoff = DriverLimits.min_resolve_backoff
        while True:
            try:
                addresses = await self._resolve_all(host, port)
            except OSError as e:
                _log.warning('%s: peer %s does not resolve (%s); retrying '
                             'in %g s', self.config.local_name,
                             _host_port(name), e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(2 * backoff, DriverLimits.max_resolve_backoff)
                continue
            backoff = DriverLimits.min_resolve_backoff
            try:
                self._seed_resolved(name, addresses)
            except Exception:  # the name is followed on, whatever happened
                _log.exception('%s: peer %s: joining its addresses failed',
                               self.config.local_name, _host_port(name))
            if DriverLimits.seed_refresh_interval <= 0:
                return
            await asyncio.sleep(DriverLimits.seed_refresh_interval)

    def _seed_resolved(self, name: Address, addresses: list[Address]) -> None:
        node = self.node
        if node is None or self._stopped.is_set():
            return
        self._resolved_seeds[name] = addresses
        seeds = self._seed_addresses()
        # Resolved again to the same addresses: nothing to tell the node.
        if seeds == self._join_addresses:
            return
        self._join_addresses = seeds
        with self._stop_if_broken(reraise=False):
            if node.lifecycle != 'active':
                return
            try:
                node.join(seeds, _now())
            except SwimError as e:
                if node.broken:
                    raise
                _log.warning('%s: join: %s', self.config.local_name, e)
            self._after()

    def _seed_addresses(self) -> list[Address]:
        """Every seed address: the literal ones, then each name's (in name
        order, as the C++ drivers)."""
        seeds = dict.fromkeys(self._literal_seeds)
        for name in sorted(self._resolved_seeds):
            seeds.update(dict.fromkeys(self._resolved_seeds[name]))
        return list(seeds)[:DriverLimits.max_seeds]

    async def _bind(self, bind: Address) -> tuple[
            asyncio.Server, asyncio.DatagramTransport, int]:
        host, port = bind
        # Port 0: the TCP listener picks a port, UDP takes the same (a few
        # tries, in case another socket holds that UDP port).
        for _ in range(10 if port == 0 else 1):
            server = await self._listen(host, port)
            try:
                await server.start_serving()
                bound_port = server.sockets[0].getsockname()[1]
                try:
                    udp = await self._datagram_endpoint(host, bound_port)
                except OSError as e:
                    if port == 0 and e.errno == errno.EADDRINUSE:
                        server.close()
                        continue
                    raise
            except BaseException:
                # Failed or cancelled: no listener stays behind.
                server.close()
                raise
            self._udp_ipv6 = ':' in host
            return server, udp, bound_port
        raise OSError(errno.EADDRINUSE, 'no port free for both UDP and TCP')

    async def _datagram_endpoint(
            self, host: str, port: int) -> asyncio.DatagramTransport:
        if host != '::':
            udp, _ = await self.loop.create_datagram_endpoint(
                lambda: _Datagrams(self), local_addr=(host, port))
            return udp
        # [::] takes IPv4 peers too, whatever net.ipv6.bindv6only says.
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(('::', port))
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        udp, _ = await self.loop.create_datagram_endpoint(
            lambda: _Datagrams(self), sock=sock)
        return udp

    async def _listen(self, host: str, port: int) -> asyncio.Server:
        # Not serving yet: the caller holds the server before anything can
        # be cancelled, and closes it on failure.
        if host != '::':
            return await self.loop.create_server(
                self._accept, host, port, reuse_address=True,
                start_serving=False)
        # [::] takes IPv4 peers too, as the C++ drivers' does (asyncio's own
        # listeners are IPv6-only).
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(('::', port))
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return await self.loop.create_server(self._accept, sock=sock,
                                             start_serving=False)

    def _accept(self) -> _Connection:
        connection = _Connection(self, self._new_stream_id(), ('', 0), True)
        self._connections[connection.id] = connection
        return connection

    def _new_stream_id(self) -> int:
        stream_id = self._next_stream
        self._next_stream += 1
        return stream_id

    def _admit(self, connection: _Connection) -> bool:
        """The caps on incoming connections (DriverLimits)."""
        incoming = [c for c in self._connections.values()
                    if c.incoming and not c.closed and c is not connection]
        host = connection.peer[0]
        same_host = [c for c in incoming if c.peer[0] == host]
        if len(same_host) >= DriverLimits.max_connections_per_host or len(
                [c for c in same_host if not c.authenticated]) >= \
                DriverLimits.max_unauthenticated_per_host:
            self._connections.pop(connection.id, None)
            return False
        if len(incoming) >= DriverLimits.max_connections:
            idle = [c for c in incoming if not c.authenticated]
            if not idle:
                self._connections.pop(connection.id, None)
                return False
            idle[0].abort()  # the oldest unauthenticated one
        return True

    # --- Input ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _stop_if_broken(self, reraise: bool) -> Iterator[None]:
        """Around calls that change the node: one that breaks it (memory
        ran out inside the library, docs/c_api.md "Out of memory") stops
        the member, which can do nothing more; the error is raised again
        to a command's caller, and only logged from the loop's callbacks."""
        try:
            yield
        except (MemoryError, SwimError) as e:
            node = self.node
            if node is None or not node.broken:
                raise
            _log.error('%s: %s; the member stops', self.config.local_name, e)
            self.stop()
            if reraise:
                raise

    def _datagram(self, data: bytes, source: Address) -> None:
        if self.node is None or self._stopped.is_set():
            return
        with self._stop_if_broken(reraise=False):
            self.node.handle_datagram(source, data, _now())
            self._after()

    def _stream_data(self, connection: _Connection, data: bytes) -> None:
        if self.node is None or self._stopped.is_set():
            return
        with self._stop_if_broken(reraise=False):
            verdict = self.node.handle_stream_data(
                connection.id, connection.peer, data, _now())
            if verdict == _VERDICT_CLOSE:
                connection.node_forgot = True
                connection.abort()
            elif verdict == _VERDICT_PROGRESS:
                connection.progress()
            self._after()

    def _stream_closed(self, connection: _Connection) -> None:
        if self._connections.get(connection.id) is connection:
            del self._connections[connection.id]
        if self._outgoing.get(connection.peer) is connection:
            del self._outgoing[connection.peer]
        if self.node is None or self._stopped.is_set():
            return
        if not connection.node_forgot:
            with self._stop_if_broken(reraise=False):
                self.node.handle_stream_closed(connection.id)
                self._after()

    def _on_timer(self) -> None:
        self._timer = None
        self._deadline = None
        if self.node is None or self._stopped.is_set():
            return
        with self._stop_if_broken(reraise=False):
            try:
                self.node.observe_wall_clock(time.time_ns())
                self.node.handle_timeout(_now())
            finally:
                self._after()  # re-arms the timer, whatever happened

    # --- Commands -------------------------------------------------------------------

    def _check_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise RuntimeError(
                'swimcore is not thread-safe: call the member from the '
                "thread of its event loop (loop.call_soon_threadsafe)")

    def _require(self) -> NativeNode:
        self._check_thread()
        if self.node is None or self._stopped.is_set():
            raise RuntimeError('the member is not running')
        return self.node

    def set_metadata(self, metadata: Mapping[str, bytes]) -> None:
        node = self._require()
        with self._stop_if_broken(reraise=True):
            node.set_metadata(metadata, _now())
            self.members._on_local(node.local())
            self._after()

    def broadcast(self, payload: bytes) -> None:
        node = self._require()
        with self._stop_if_broken(reraise=True):
            node.broadcast(payload, _now())
            self._after()

    def remove(self, name: str) -> None:
        node = self._require()
        with self._stop_if_broken(reraise=True):
            node.remove(name, _now())
            self._after()

    def rotate_key(self, command: Literal['add', 'use', 'remove'],
                   key: bytes) -> None:
        """Key rotation (docs/security.md, "Keys")."""
        node = self._require()
        with self._stop_if_broken(reraise=True):
            if command == 'add':
                node.add_key(key)
            elif command == 'use':
                node.use_key(key)
            else:
                node.remove_key(key)

    # --- Output ---------------------------------------------------------------------

    def _after(self) -> None:
        """Drains transmits and events and re-arms the timer: after every
        input and command (docs/c_api.md, "Driving a node")."""
        node = self.node
        if node is None:
            return
        if self._draining:
            # A command from a callback during a drain: the drain under way
            # goes round again for what it queued.
            self._drain_again = True
            return
        self._draining = True
        try:
            self._drain_again = True
            while self._drain_again and not self._stopped.is_set():
                self._drain_again = False
                self._drain(node)
        finally:
            # Whatever happened above, the member's timer runs on.
            self._draining = False
            self._rearm(node)

    def _drain(self, node: NativeNode) -> None:
        while not self._stopped.is_set() and \
                (transmit := node.poll_transmit()) is not None:
            self._send(transmit)
        # A callback may stop the member: nothing more is handed out then.
        while not self._stopped.is_set() and \
                (event := node.poll_event()) is not None:
            self.members.events.notify(event)
            if event.type == 'user-message':
                assert event.origin is not None
                self.members._on_message(event.origin,
                                         event.payload or b'')
            elif event.type == 'name-conflict':
                _log.warning('%s: another process claims this name '
                             '(at %s)', self.config.local_name,
                             event.conflict_address)
            elif event.type == 'refuted':
                assert event.member is not None
                self.members._on_local(event.member)
            else:
                assert event.member is not None
                self.members._on_member(event.type, event.member,
                                        event.cause)

    def _rearm(self, node: NativeNode) -> None:
        if self._stopped.is_set():
            return
        deadline = node.next_deadline()
        if deadline != self._deadline or self._timer is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._deadline = deadline
            if deadline is not None:
                delay = max(0, deadline - _now()) / 1e9
                self._timer = self.loop.call_later(delay, self._on_timer)
        if node.lifecycle == 'left':
            self._left.set()

    def _send(self, transmit: Transmit) -> None:
        if not transmit.stream_channel:
            if self._udp is not None:
                to = transmit.to
                if self._udp_ipv6 and ':' not in to[0]:
                    to = ('::ffff:' + to[0], to[1])  # IPv4 on a [::] socket
                self._udp.sendto(transmit.data, to)
            return
        if transmit.stream is not None:
            # A reply: on the connection the request came on, or nowhere.
            connection = self._connections.get(transmit.stream)
            if connection is not None and not connection.closed:
                if self._queued() + len(transmit.data) <= \
                        DriverLimits.max_queued_stream_bytes:
                    connection.write(transmit.data)
            return
        connection = self._outgoing.get(transmit.to)
        if connection is None or connection.closed:
            if len([c for c in self._connections.values()
                    if not c.incoming]) >= DriverLimits.max_connections:
                return  # the protocol retries later
            connection = _Connection(self, self._new_stream_id(),
                                     transmit.to, False)
            self._connections[connection.id] = connection
            self._outgoing[transmit.to] = connection
            task = self.loop.create_task(self._connect(connection))
            self._connects.add(task)
            task.add_done_callback(self._connect_done)
        if self._queued() + len(transmit.data) <= \
                DriverLimits.max_queued_stream_bytes:
            connection.write(transmit.data)

    def _connect_done(self, task: asyncio.Task[None]) -> None:
        self._connects.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: _connect handles its failures

    def _queued(self) -> int:
        return sum(c.queued() for c in self._connections.values())

    async def _connect(self, connection: _Connection) -> None:
        host, port = connection.peer
        try:
            await asyncio.wait_for(
                self.loop.create_connection(lambda: connection, host, port),
                DriverLimits.connect_timeout)
        except (OSError, asyncio.TimeoutError):
            connection.pending.clear()
            connection._finish()




