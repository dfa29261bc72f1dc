"""A member's configuration, in swim-protocol's shape."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Final, Optional, Union

from . import _native

__all__ = ['ConfigError', 'BaseConfig', 'InsecureWarning']


class ConfigError(ValueError):
    """The configuration cannot run a member; the message says which
    setting and why."""


class InsecureWarning(UserWarning):
    """A member runs without a key: its packets are neither authenticated
    nor encrypted."""


def _split_host_port(text: str, what: str) -> tuple[str, int]:
    if not isinstance(text, str):
        raise ConfigError(f'{what} must be str "HOST:PORT", not '
                          f'{type(text).__name__}')
    host, sep, port_text = text.rpartition(':')
    if not sep or not host or not port_text.isdigit():
        raise ConfigError(f'{what} {text!r} is not HOST:PORT')
    port = int(port_text)
    if port > 65535:
        raise ConfigError(f'{what} {text!r}: port {port} is not 0-65535')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    return host, port


class BaseConfig:
    """Configures one cluster member.

    Args:
        secret: The cluster's key: ``bytes`` of 16, 24 or 32 random bytes,
            or ``str`` as swim's programs take ``SWIM_SECRET`` (base64 keys
            from ``swim-keygen``, comma-separated for rotation, or
            ``"passphrase:TEXT"``). Other text is taken as a passphrase,
            with an :class:`InsecureWarning` (weaker than a key). ``None``:
            no key at all, plaintext packets (an :class:`InsecureWarning`),
            as in swim-protocol where ``None`` is not secure either.
        local_name: This member's unique name. When it is ``HOST:PORT`` it
            is also the address the others reach it at, unless
            *local_address* says otherwise.
        local_metadata: Published at start: ``str`` keys, ``bytes`` values.
        peers: ``HOST:PORT`` of members to join through (none: the first
            member of a cluster). IP addresses are contacted at once. Host
            names are resolved in the background, every A and AAAA record
            becoming a peer; a name that does not resolve yet is retried
            (1 s, doubling up to 30 s, a warning on the ``swimcore`` logger
            each time) and one that did is resolved again every 5 minutes,
            as swim's C++ drivers do.
        local_address: ``HOST:PORT`` the others reach it at.
        bind: ``IP:PORT`` the sockets bind (default: the local address).
        label: The cluster label bound into every packet.
        preset: ``"lan"``, ``"wan"`` or ``"local"`` (memberlist's numbers).
        leave_timeout: Seconds a graceful leave may take when the member
            stops.
        tunables: Any ``swim_config`` field by name (docs/c_api.md), e.g.
            ``probe_interval=0.5`` (seconds for durations), ``tcp_only=True``.

    Raises:
        ConfigError: A setting that cannot work, with the reason.
    """

    def __init__(self, *, local_name: str,
                 local_metadata: Mapping[str, bytes] = {},
                 peers: Sequence[str] = (),
                 secret: Union[None, str, bytes] = None,
                 local_address: Optional[str] = None,
                 bind: Optional[str] = None,
                 label: str = '',
                 preset: str = 'lan',
                 leave_timeout: float = 5.0,
                 seed: Optional[int] = None,
                 **tunables: Union[int, float, bool]) -> None:
        if not isinstance(local_name, str) or not local_name:
            raise ConfigError('local_name must be a non-empty str')
        try:
            local_name.encode('utf-8')
        except UnicodeEncodeError:
            raise ConfigError('local_name is not valid UTF-8 text') from None
        if isinstance(peers, str):
            raise ConfigError('peers must be a list of "HOST:PORT", not one '
                              'str')
        self.local_name: Final = local_name
        self.local_metadata: Final = dict(local_metadata)
        for key, value in self.local_metadata.items():
            if not isinstance(key, str):
                raise ConfigError(f'metadata key {key!r} must be str')
            if not isinstance(value, (bytes, bytearray)):
                raise ConfigError(f'metadata[{key!r}] must be bytes, not '
                                  f'{type(value).__name__}')
        self.peers: Final = [_split_host_port(peer, 'peer') for peer in peers]
        self.address: Final = _split_host_port(
            local_address if local_address is not None else local_name,
            'local_address' if local_address is not None else
            'local_name (or give local_address)')
        self.bind: Final = _split_host_port(bind, 'bind') \
            if bind is not None else None
        if not isinstance(label, str):
            raise ConfigError('label must be str')
        if '\0' in label:
            raise ConfigError('label contains a NUL character')
        try:
            label.encode('utf-8')
        except UnicodeEncodeError:
            raise ConfigError('label is not valid UTF-8 text') from None
        self.label: Final = label
        if preset not in _native.PRESETS:
            raise ConfigError(f'preset must be one of '
                              f'{sorted(_native.PRESETS)}, not {preset!r}')
        self.preset: Final = preset
        if isinstance(leave_timeout, bool) or \
                not isinstance(leave_timeout, (int, float)) or \
                not math.isfinite(leave_timeout) or leave_timeout <= 0:
            raise ConfigError('leave_timeout must be a positive number of '
                              'seconds')
        self.leave_timeout: Final = float(leave_timeout)
        if seed is not None and (isinstance(seed, bool) or
                                 not isinstance(seed, int) or
                                 not 0 <= seed < 2**64):
            raise ConfigError('seed must be None or an int 0 to 2**64 - 1')
        self.seed: Final = seed
        for tunable, amount in tunables.items():
            if tunable not in _native.TUNABLES:
                raise ConfigError(f'{tunable!r} is not a tunable; one of '
                                  f'{sorted(_native.TUNABLES)}')
            if not isinstance(amount, (bool, int, float)) or (
                    isinstance(amount, float) and math.isnan(amount)) or (
                    tunable not in _native.DURATIONS and
                    isinstance(amount, float)):
                raise ConfigError(
                    f'{tunable} = {amount!r}: '
                    + ('a number of seconds' if tunable in _native.DURATIONS
                       else 'an int (or bool)') + ' is needed')
            if amount < 0:
                raise ConfigError(f'{tunable} = {amount!r}: must not be '
                                  'negative')
        self.tunables: Final = dict(tunables)
        self.keys: Final[list[bytes]] = self._keys(secret)

    def _keys(self, secret: Union[None, str, bytes]) -> list[bytes]:
        if secret is None:
            warnings.warn(
                f'{self.local_name}: no secret: packets are neither '
                'authenticated nor encrypted (generate a key with '
                'swim-keygen)', InsecureWarning, stacklevel=3)
            return []
        if isinstance(secret, (bytes, bytearray)):
            if len(secret) not in (16, 24, 32):
                raise ConfigError(
                    f'a secret given as bytes is the key itself: 16, 24 or '
                    f'32 bytes, not {len(secret)} (give a str for a '
                    'swim-keygen key or a passphrase)')
            return [bytes(secret)]
        if not isinstance(secret, str):
            raise ConfigError(f'secret must be str, bytes or None, not '
                              f'{type(secret).__name__}')
        try:
            return _native.keys_from_secret(secret, self.label)
        except ValueError as e:
            # swim-protocol's secrets are any text: taken as a passphrase
            # (scrypt, salted with the label), with a warning, where swim's
            # programs insist on the "passphrase:" mark.
            if not secret.strip() or ',' in secret or \
                    secret.startswith('passphrase:'):
                raise ConfigError(str(e)) from None
        warnings.warn(
            f'{self.local_name}: the secret is not a key, so it is taken as '
            'a passphrase (stretched with scrypt): weaker than a key from '
            'swim-keygen, which anyone with one captured packet can try to '
            'guess offline', InsecureWarning, stacklevel=3)
        return _native.keys_from_secret('passphrase:' + secret, self.label)
