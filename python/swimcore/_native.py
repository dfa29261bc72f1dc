"""The C ABI (swim/c/swim.h) through cffi, and a Python node over it.

Nothing here does I/O or reads a clock: :class:`NativeNode` is the sans-IO
core with Python types. The declarations come from the header itself, so
they cannot drift from the library.
"""

from __future__ import annotations

import ctypes.util
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import cffi

__all__ = [
    'SwimError', 'InvalidArgument', 'FailedPrecondition', 'NotFound',
    'AlreadyExists', 'OutOfRange', 'Address', 'MemberInfo', 'Verdict',
    'Confirmation', 'Transmit', 'Event', 'NativeConfig', 'NativeNode',
    'PRESETS', 'library_version', 'keys_from_secret',
]

_HERE = Path(__file__).resolve().parent

#: ``(host, port)``: an IPv4 or IPv6 literal and a port.
Address = tuple[str, int]

PRESETS = {'lan': 0, 'wan': 1, 'local': 2}
_SECURITY_MODES = {'plaintext': 1, 'authenticated': 2, 'encrypted': 3}
_TIME_NEVER = 2**63 - 1
_TIME_NONE = -2**63


# --- Loading the library ------------------------------------------------------

def _find_file(env: str, candidates: Iterable[Path]) -> Optional[Path]:
    value = os.environ.get(env)
    if value:
        return Path(value)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def _header_path() -> Path:
    # Installed: beside this file. From a source checkout: swim/c/swim.h.
    path = _find_file('SWIMCORE_HEADER', [
        _HERE / 'swim.h',
        _HERE.parent.parent / 'swim' / 'c' / 'swim.h',
    ])
    if path is None:
        raise ImportError(
            'swimcore: swim.h not found beside the package or in the source '
            'tree; set SWIMCORE_HEADER')
    return path


def _library_path() -> str:
    path = _find_file('SWIMCORE_LIBRARY', [_HERE / 'libswim_c.so'])
    if path is not None:
        return str(path)
    found = ctypes.util.find_library('swim_c')
    if found is None:
        raise ImportError(
            'swimcore: libswim_c.so not found beside the package or on the '
            'library path; build it (README, "Python") or set '
            'SWIMCORE_LIBRARY')
    return found


def _declarations(header: str) -> str:
    """The header as cffi's cdef takes it: no comments, no preprocessor
    lines, no C++ guards, no export attribute."""
    text = re.sub(r'/\*.*?\*/', '', header, flags=re.DOTALL)
    text = re.sub(r'//[^\n]*', '', text)
    out: list[str] = []
    skipping_cplusplus = False
    continued = False
    for line in text.splitlines():
        stripped = line.strip()
        if continued:
            continued = stripped.endswith('\\')
            continue
        if stripped.startswith('#ifdef __cplusplus'):
            skipping_cplusplus = True
            continue
        if skipping_cplusplus:
            if stripped.startswith('#endif'):
                skipping_cplusplus = False
            continue
        if stripped.startswith('#'):
            continued = stripped.endswith('\\')
            continue
        out.append(line.replace('SWIM_C_EXPORT ', ''))
    return '\n'.join(out)


# cffi's objects are dynamic: the header, not Python, types them.
ffi: Any = cffi.FFI()
ffi.cdef(_declarations(_header_path().read_text(encoding='utf-8')))
lib: Any = ffi.dlopen(_library_path())

if lib.swim_c_api_version() < 1:
    raise ImportError('swimcore: libswim_c implements no known API version')


def library_version() -> str:
    """The release of the C library loaded ("0.1.0")."""
    return str(ffi.string(lib.swim_version()).decode())


# --- Errors -------------------------------------------------------------------

class SwimError(Exception):
    """A call the node refused. ``code`` is the C ABI's result."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class InvalidArgument(SwimError, ValueError):
    """A value out of range or malformed; nothing changed."""


class FailedPrecondition(SwimError, RuntimeError):
    """The node no longer takes commands (it left or is leaving), or a
    call out of order; nothing changed."""


class NotFound(SwimError, LookupError):
    """No such member or key; nothing changed."""


class AlreadyExists(SwimError, ValueError):
    """The key is installed already; nothing changed."""


class OutOfRange(SwimError, ValueError):
    """Beyond one of the node's limits; nothing changed."""


_ERRORS: dict[int, type[SwimError]] = {
    -1: InvalidArgument,
    -2: FailedPrecondition,
    -3: NotFound,
    -4: AlreadyExists,
    -5: OutOfRange,
}


def _raise(result: int, message: str) -> None:
    if result == -7:
        raise MemoryError(message or 'swim: out of memory')
    error = _ERRORS.get(result, SwimError)
    name = ffi.string(lib.swim_result_name(result)).decode()
    raise error(message or name, result)


# --- Values crossing the boundary -----------------------------------------------

def _text(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f'{what} must be str, not {type(value).__name__}')
    if '\0' in value:
        raise ValueError(f'{what} contains a NUL character')
    # Lone surrogates cannot be UTF-8: UnicodeEncodeError, a ValueError.
    return value.encode('utf-8')


def _bytes(value: object, what: str) -> bytes:
    if isinstance(value, str):
        raise TypeError(f'{what} must be bytes, not str (encode it)')
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            f'{what} must be bytes, not {type(value).__name__}')
    return bytes(value)


def _address_in(value: object, what: str, out: Any) -> None:
    """Fills the swim_address `out` from ``(host, port)``."""
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not isinstance(value[0], str) or isinstance(value[1], bool)
            or not isinstance(value[1], int)):
        raise TypeError(f'{what} must be (host, port), not {value!r}')
    host, port = value
    if not 0 <= port <= 65535:
        raise ValueError(f'{what}: port {port} is not 0-65535')
    try:
        ip = ipaddress.ip_address(host.strip('[]'))
    except ValueError:
        raise ValueError(
            f'{what}: {host!r} is not an IP address (resolve host names '
            'first)') from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    out.family = ip.version
    packed = ip.packed
    for i in range(16):
        out.octets[i] = packed[i] if i < len(packed) else 0
    out.port = port


def _address_out(address: Any) -> Address:
    raw = bytes(address.octets)
    if address.family == 4:
        host = str(ipaddress.IPv4Address(raw[:4]))
    else:
        host = str(ipaddress.IPv6Address(raw))
    return host, int(address.port)


def parse_address(text: str) -> Address:
    """``"1.2.3.4:7946"`` or ``"[::1]:7946"`` as ``(host, port)``."""
    address = ffi.new('swim_address*')
    if lib.swim_address_parse(_text(text, 'address'), address) != 0:
        raise ValueError(
            f'{text!r} is not IP:PORT (an IPv6 address in brackets)')
    return _address_out(address)


def format_address(address: Address) -> str:
    c_address = ffi.new('swim_address*')
    _address_in(address, 'address', c_address)
    out = ffi.new('char[]', 48)
    lib.swim_address_format(c_address, out, 48)
    return str(ffi.string(out).decode())


def _name_out(data: Any, size: int) -> str:
    # A member name is any bytes on the wire (UTF-8 by convention): bytes
    # that are not UTF-8 become lone surrogates, as os.fsdecode makes them,
    # so that the name given back to find or remove is the same bytes.
    return bytes(ffi.buffer(data, size)).decode('utf-8', 'surrogateescape')


def _name_in(value: object) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f'name must be str, not {type(value).__name__}')
    # A surrogate that _name_out did not make: UnicodeEncodeError.
    return value.encode('utf-8', 'surrogateescape')


def _instant(nanos: int) -> Optional[int]:
    return None if nanos in (_TIME_NONE, _TIME_NEVER) else int(nanos)


@dataclass(frozen=True)
class MemberInfo:
    """A snapshot of a member as the node saw it."""
    name: str
    address: Address
    status: int  # a swim_status bit
    generation: int
    version: int
    metadata: Mapping[str, bytes]
    #: When it last changed here, in ns of the node's clock; None: never.
    last_change: Optional[int]


def _new_member() -> Any:
    member = ffi.new('swim_member*')
    member.struct_size = ffi.sizeof('swim_member')
    return member


def _member_out(member: Any) -> MemberInfo:
    metadata: dict[str, bytes] = {}
    for i in range(member.metadata_count):
        entry = member.metadata[i]
        # Keys are any bytes on the wire too: as names, so two keys that
        # are not UTF-8 stay two.
        metadata[_name_out(entry.key, entry.key_size)] = bytes(
            ffi.buffer(entry.value, entry.value_size)) \
            if entry.value_size else b''
    return MemberInfo(
        name=_name_out(member.name, member.name_size),
        address=_address_out(member.address),
        status=int(member.status),
        generation=int(member.generation),
        version=int(member.version),
        metadata=metadata,
        last_change=_instant(member.last_change))


@dataclass(frozen=True)
class Confirmation:
    """A member that confirmed a suspicion (Lifeguard), and when: ns of the
    node's clock."""
    member: str
    at: int


@dataclass(frozen=True)
class Verdict:
    """Why a member became SUSPECT, OFFLINE or LEFT (swim::Verdict)."""
    reason: str
    accuser: str
    declared_by: str
    from_state_exchange: bool
    suspected_at: Optional[int]
    probe_sent_at: Optional[int]
    probe_stream_fallback: bool
    probe_helpers: tuple[str, ...]
    probe_nacks_expected: int
    probe_nacks: int
    confirmations: tuple[Confirmation, ...]
    timeout_ns: int
    health: int


def _verdict_out(verdict: Any) -> Verdict:
    return Verdict(
        reason=ffi.string(lib.swim_verdict_reason_name(verdict.reason))
        .decode(),
        accuser=_name_out(verdict.accuser, verdict.accuser_size),
        declared_by=_name_out(verdict.declared_by, verdict.declared_by_size),
        from_state_exchange=bool(verdict.from_state_exchange),
        suspected_at=_instant(verdict.suspected_at),
        probe_sent_at=int(verdict.probe_sent_at)
        if verdict.has_probe else None,
        probe_stream_fallback=bool(verdict.probe_stream_fallback),
        probe_helpers=tuple(
            _name_out(verdict.probe_helpers[i], verdict.probe_helper_sizes[i])
            for i in range(verdict.probe_helper_count)),
        probe_nacks_expected=int(verdict.probe_nacks_expected),
        probe_nacks=int(verdict.probe_nacks),
        confirmations=tuple(
            Confirmation(_name_out(verdict.confirmations[i].member,
                                   verdict.confirmations[i].member_size),
                         int(verdict.confirmations[i].at))
            for i in range(verdict.confirmation_count)),
        timeout_ns=int(verdict.timeout),
        health=int(verdict.health))


@dataclass(frozen=True)
class Event:
    """What the node tells the application (swim.h, swim_event_type)."""
    type: str  # "joined", "status-changed", ... (swim_event_type_name)
    member: Optional[MemberInfo] = None
    previous_status: Optional[int] = None
    cause: Optional[Verdict] = None
    conflict_address: Optional[Address] = None
    origin: Optional[str] = None
    payload: Optional[bytes] = None


@dataclass(frozen=True)
class Transmit:
    """Bytes to send: a datagram, or a stream message on connection
    ``stream`` (a reply) or on the connection to ``to`` (``stream`` None)."""
    to: Address
    stream_channel: bool
    stream: Optional[int]
    data: bytes


@dataclass
class NativeConfig:
    """The fields of swim_config (docs/c_api.md), in Python units:
    durations in seconds, None for a preset's value."""
    name: str
    address: Address
    keys: Sequence[bytes] = ()
    security_mode: str = 'encrypted'
    label: str = ''
    metadata: Mapping[str, bytes] = field(default_factory=dict)
    preset: str = 'lan'
    seed: Optional[int] = None
    generation: Optional[int] = None
    #: Any swim_config field by its C name, e.g. {'probe_interval': 0.5}.
    #: Fields named *_interval, *_timeout, *_skew take seconds.
    tunables: Mapping[str, Union[int, float, bool]] = field(
        default_factory=dict)


_DURATION_FIELDS = {
    'max_clock_skew', 'probe_interval', 'probe_timeout', 'gossip_interval',
    'push_pull_interval', 'reconnect_interval', 'reconnect_timeout',
    'tombstone_timeout'}
#: The swim_config fields BaseConfig takes as tunables, and which of them
#: are durations (seconds; ``math.inf`` for never).
_TUNABLE_FIELDS = _DURATION_FIELDS | {
    'indirect_checks', 'suspicion_mult', 'stream_fallback', 'tcp_only',
    'isolation_probes', 'lifeguard_awareness', 'lifeguard_nacks',
    'lifeguard_dynamic_suspicion', 'lifeguard_buddy_system',
    'lifeguard_awareness_max', 'lifeguard_suspicion_max_timeout_mult',
    'retransmit_mult', 'gossip_nodes', 'datagram_budget',
    'user_broadcast_share', 'max_metadata_size', 'max_members',
    'max_stream_message', 'wire_version'}
TUNABLES: frozenset[str] = frozenset(_TUNABLE_FIELDS)
#: The events about one member (swim_event.member is set).
_MEMBER_EVENTS = frozenset(
    {'joined', 'status-changed', 'metadata-changed', 'reaped', 'refuted'})
DURATIONS: frozenset[str] = frozenset(_DURATION_FIELDS)


def _metadata_in(metadata: object, keep: list[Any]) -> tuple[Any, int]:
    if not isinstance(metadata, Mapping):
        raise TypeError(
            f'metadata must be a mapping of str to bytes, not '
            f'{type(metadata).__name__}')
    entries = ffi.new('swim_metadata_entry[]', max(len(metadata), 1))
    for i, (key, value) in enumerate(metadata.items()):
        key_bytes = _text(key, 'metadata key')
        value_bytes = _bytes(value, f'metadata[{key!r}]')
        c_key = ffi.new('char[]', key_bytes)
        c_value = ffi.new('uint8_t[]', value_bytes or b'\0')
        keep.extend((c_key, c_value))
        entries[i].key = c_key
        entries[i].key_size = len(key_bytes)
        entries[i].value = c_value
        entries[i].value_size = len(value_bytes)
    keep.append(entries)
    return entries, len(metadata)


def _wipe(buffers: list[Any]) -> None:
    """Overwrites cffi byte arrays that held key material."""
    for data in buffers:
        ffi.memmove(data, bytes(len(data)), len(data))


class NativeNode:
    """One member as the sans-IO core: inputs in, transmits and events out.

    Every method raises :class:`SwimError` (or TypeError/ValueError for
    values Python cannot hand over) when the node refuses; nothing changed
    then. Times are integers of nanoseconds on the caller's monotonic clock.
    """

    def __init__(self, config: NativeConfig, now: int) -> None:
        self._handle: Any = None
        key_buffers: list[Any] = []
        try:
            self._create(config, now, key_buffers)
        finally:
            # The binding's own copies of the keys leave nothing behind
            # (the node keeps the only copy, docs/security.md, "Keys").
            _wipe(key_buffers)

    def _create(self, config: NativeConfig, now: int,
                key_buffers: list[Any]) -> None:
        keep: list[Any] = []
        c = ffi.new('swim_config*')
        preset = PRESETS.get(config.preset)
        if preset is None:
            raise ValueError(f'preset must be one of {sorted(PRESETS)}, '
                             f'not {config.preset!r}')
        if lib.swim_config_init(c, ffi.sizeof('swim_config'), preset) != 0:
            raise SwimError('swim_config_init failed', -8)
        name = ffi.new('char[]', _text(config.name, 'name'))
        keep.append(name)
        c.name = name
        _address_in(config.address, 'address', c.address)
        mode = _SECURITY_MODES.get(config.security_mode)
        if mode is None:
            raise ValueError(f'security_mode must be one of '
                             f'{sorted(_SECURITY_MODES)}, not '
                             f'{config.security_mode!r}')
        c.security_mode = mode
        keys = [_bytes(key, 'key') for key in config.keys]
        c_keys = ffi.new('swim_bytes[]', max(len(keys), 1))
        for i, key in enumerate(keys):
            data = ffi.new('uint8_t[]', key or b'\0')
            key_buffers.append(data)
            c_keys[i].data = data
            c_keys[i].size = len(key)
        keep.append(c_keys)
        c.keys = c_keys
        c.key_count = len(keys)
        label = ffi.new('char[]', _text(config.label, 'label'))
        keep.append(label)
        c.label = label
        c.metadata, c.metadata_count = _metadata_in(config.metadata, keep)
        if config.seed is not None:
            c.seed = config.seed
        if config.generation is not None:
            c.generation = config.generation
        for field_name, value in config.tunables.items():
            if field_name not in _TUNABLE_FIELDS:
                raise ValueError(f'{field_name!r} is not a tunable; one of '
                                 f'{sorted(_TUNABLE_FIELDS)}')
            if isinstance(value, bool):
                value = int(value)
            if field_name in _DURATION_FIELDS:
                if value == float('inf'):
                    value = _TIME_NEVER
                else:
                    value = round(value * 1e9)
            try:
                setattr(c, field_name, value)
            except (OverflowError, TypeError) as e:
                raise ValueError(f'{field_name} = {value!r}: {e}') from None
        node = ffi.new('swim_node**')
        error = ffi.new('char[]', 512)
        result = lib.swim_node_new(node, c, now, error, 512)
        if result != 0:
            _raise(result, ffi.string(error).decode('utf-8', 'replace'))
        self._handle = ffi.gc(node[0], lib.swim_node_free)
        self._buffer_size = lib.swim_node_max_transmit_size(self._node)
        self._buffer = ffi.new('uint8_t[]', min(self._buffer_size, 65536))
        self._transmit = ffi.new('swim_transmit*')
        self._transmit.struct_size = ffi.sizeof('swim_transmit')
        self._event = ffi.new('swim_event*')
        self._event.struct_size = ffi.sizeof('swim_event')
        self._member = _new_member()
        self._address = ffi.new('swim_address*')
        self._verdict = ffi.new('int*')

    @property
    def _node(self) -> Any:
        if self._handle is None:
            raise FailedPrecondition('the node was closed', -2)
        return self._handle

    def close(self) -> None:
        """Frees the node now (its keys wiped, docs/security.md) instead of
        when the object is collected. Calls after it raise
        :class:`FailedPrecondition`; a second close does nothing."""
        handle, self._handle = self._handle, None
        if handle is not None:
            ffi.release(handle)

    def _check(self, result: int) -> None:
        if result < 0:
            _raise(result, ffi.string(lib.swim_node_last_error(self._node))
                   .decode('utf-8', 'replace'))

    # --- Commands ---------------------------------------------------------

    def join(self, seeds: Sequence[Address], now: int) -> None:
        seeds = list(seeds)
        c_seeds = ffi.new('swim_address[]', max(len(seeds), 1))
        for i, seed in enumerate(seeds):
            _address_in(seed, f'seeds[{i}]', c_seeds[i])
        self._check(lib.swim_node_join(self._node, c_seeds, len(seeds), now))

    def leave(self, now: int) -> None:
        self._check(lib.swim_node_leave(self._node, now))

    def set_metadata(self, metadata: Mapping[str, bytes], now: int) -> None:
        keep: list[Any] = []
        entries, count = _metadata_in(metadata, keep)
        self._check(lib.swim_node_set_metadata(self._node, entries, count,
                                               now))

    def broadcast(self, payload: bytes, now: int) -> None:
        data = _bytes(payload, 'payload')
        self._check(lib.swim_node_broadcast(self._node, data, len(data),
                                            now))

    def remove(self, name: str, now: int) -> None:
        data = _name_in(name)
        self._check(lib.swim_node_remove_n(self._node, data, len(data), now))

    def add_key(self, key: bytes) -> None:
        data = _bytes(key, 'key')
        self._check(lib.swim_node_add_key(self._node, data, len(data)))

    def use_key(self, key: bytes) -> None:
        data = _bytes(key, 'key')
        self._check(lib.swim_node_use_key(self._node, data, len(data)))

    def remove_key(self, key: bytes) -> None:
        data = _bytes(key, 'key')
        self._check(lib.swim_node_remove_key(self._node, data, len(data)))

    # --- Input --------------------------------------------------------------

    def handle_datagram(self, source: Address, data: bytes,
                        now: int) -> None:
        _address_in(source, 'source', self._address)
        self._check(lib.swim_node_handle_datagram(
            self._node, self._address, data, len(data), now))

    def handle_stream_data(self, stream: int, source: Address, data: bytes,
                           now: int) -> int:
        """Returns 0 (keep reading), 1 (authenticated progress: extend the
        read deadline) or 2 (close it now)."""
        _address_in(source, 'source', self._address)
        self._check(lib.swim_node_handle_stream_data(
            self._node, stream, self._address, data, len(data), now,
            self._verdict))
        return int(self._verdict[0])

    def handle_stream_closed(self, stream: int) -> None:
        self._check(lib.swim_node_handle_stream_closed(self._node, stream))

    def handle_timeout(self, now: int) -> None:
        self._check(lib.swim_node_handle_timeout(self._node, now))

    def observe_wall_clock(self, unix_ns: int) -> None:
        self._check(lib.swim_node_observe_wall_clock(self._node, unix_ns))

    # --- Output -----------------------------------------------------------------

    def next_deadline(self) -> Optional[int]:
        deadline = lib.swim_node_next_deadline(self._node)
        return None if deadline == _TIME_NEVER else int(deadline)

    def poll_transmit(self) -> Optional[Transmit]:
        result = lib.swim_node_poll_transmit(
            self._node, self._transmit, self._buffer, len(self._buffer))
        if result == -6:  # a stream message larger than the buffer
            self._buffer = ffi.new('uint8_t[]', self._transmit.size)
            result = lib.swim_node_poll_transmit(
                self._node, self._transmit, self._buffer, len(self._buffer))
        self._check(result)
        if result == 0:
            return None
        t = self._transmit
        return Transmit(
            to=_address_out(t.to), stream_channel=t.channel == 1,
            stream=int(t.stream) if t.has_stream else None,
            data=bytes(ffi.buffer(self._buffer, t.size)))

    def poll_event(self) -> Optional[Event]:
        while True:
            result = lib.swim_node_poll_event(self._node, self._event)
            self._check(result)
            if result == 0:
                return None
            e = self._event
            kind = ffi.string(lib.swim_event_type_name(e.type)).decode()
            if kind in ('user-message', 'name-conflict') or (
                    kind in _MEMBER_EVENTS and e.member != ffi.NULL):
                return self._event_out(kind, e)
            # A kind this package does not know (from a newer library), or
            # a member event without its member: skipped, not guessed at.

    def _event_out(self, kind: str, e: Any) -> Event:
        if kind == 'user-message':
            return Event(kind, origin=_name_out(e.origin, e.origin_size),
                         payload=bytes(ffi.buffer(e.payload, e.payload_size))
                         if e.payload_size else b'')
        if kind == 'name-conflict':
            return Event(kind,
                         conflict_address=_address_out(e.conflict_address))
        return Event(
            kind, member=_member_out(e.member),
            previous_status=int(e.previous_status)
            if kind == 'status-changed' else None,
            cause=_verdict_out(e.cause) if e.cause != ffi.NULL else None)

    # --- Views ----------------------------------------------------------------

    def local(self) -> MemberInfo:
        self._check(lib.swim_node_local(self._node, self._member))
        return _member_out(self._member)

    def find(self, name: str) -> Optional[MemberInfo]:
        data = _name_in(name)
        result = lib.swim_node_find_n(self._node, data, len(data),
                                      self._member)
        if result == -3:
            return None
        self._check(result)
        return _member_out(self._member)

    def _list(self, members: Any) -> list[MemberInfo]:
        try:
            out = []
            member = _new_member()
            for i in range(lib.swim_members_count(members)):
                result = lib.swim_members_get(members, i, member)
                if result < 0:
                    _raise(result, f'member {i} of a list: not readable')
                out.append(_member_out(member))
            return out
        finally:
            lib.swim_members_free(members)

    def members(self, mask: int) -> list[MemberInfo]:
        out = ffi.new('swim_members**')
        self._check(lib.swim_node_members(self._node, mask, out))
        return self._list(out[0])

    def sample(self, count: int, mask: int) -> list[MemberInfo]:
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError('count must be int')
        if count < 0:
            raise ValueError('count must not be negative')
        out = ffi.new('swim_members**')
        self._check(lib.swim_node_sample(self._node, count, mask, out))
        return self._list(out[0])

    @property
    def lifecycle(self) -> str:
        result = lib.swim_node_lifecycle(self._node)
        self._check(result)  # a broken node
        return ('active', 'leaving', 'left')[result]

    @property
    def broken(self) -> bool:
        """Whether a call that changed the node failed inside the library
        (memory ran out): it refuses every call then; close it
        (docs/c_api.md, "Out of memory"). False once closed."""
        return self._handle is not None and \
            lib.swim_node_lifecycle(self._handle) < 0

    @property
    def available(self) -> int:
        return int(lib.swim_node_available(self._node))

    def counters(self) -> dict[str, int]:
        count = ffi.new('size_t*')
        lib.swim_node_counters(self._node, ffi.NULL, 0, count)
        out = ffi.new('swim_counter[]', count[0])
        self._check(lib.swim_node_counters(self._node, out, count[0], count))
        return {ffi.string(out[i].name).decode(): int(out[i].value)
                for i in range(count[0])}


def keys_from_secret(secret: str, label: str = '') -> list[bytes]:
    """The keys of a secret setting as the programs take it (base64 keys
    or ``passphrase:TEXT``, comma-separated; docs/security.md, "Keys")."""
    secret_bytes = _text(secret, 'secret')
    label_bytes = _text(label, 'label')
    count = ffi.new('size_t*')
    error = ffi.new('char[]', 512)
    capacity = 8
    while True:
        keys = ffi.new('swim_bytes[]', capacity)
        storage = ffi.new('uint8_t[]', capacity * 32)
        result = lib.swim_keys_from_secret(
            secret_bytes, label_bytes, storage, capacity * 32, keys,
            capacity, count, error, 512)
        if result == -6 and count[0] > capacity:  # more keys: room for all
            capacity = count[0]
            continue
        break
    try:
        if result != 0:
            _raise(result, ffi.string(error).decode('utf-8', 'replace'))
        return [bytes(ffi.buffer(keys[i].data, keys[i].size))
                for i in range(count[0])]
    finally:
        _wipe([storage])
