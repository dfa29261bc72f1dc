"""A live member on this machine, printing what it sees:
``python3 -m swimcore.demo --name 127.0.0.1:7101 --peer 127.0.0.1:7100``.

With ``--json-events`` it prints one JSON object per event in swim-demo's
shape (tools/member/event_json.h), so Python and C++ members can be
followed by the same scripts. The cluster's key comes from
``SWIM_SECRET`` or the file ``SWIM_SECRET_FILE`` names, as for swim's
programs (``--insecure``: none).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, Optional, Union

from ._native import Event, MemberInfo, Verdict
from .config import BaseConfig, ConfigError
from .members import Members
from .udp import UdpConfig, UdpTransport

__all__ = ['main']

_STATUS = {1: 'ONLINE', 2: 'SUSPECT', 4: 'OFFLINE', 8: 'LEFT'}


def _text(value: bytes) -> str:
    return value.decode('utf-8', 'replace')


def _seconds(wall: float) -> float:
    return round(wall, 3)


def _member_fields(what: str, observer: str,
                   member: MemberInfo) -> dict[str, Any]:
    return {
        'event': what, 'observer': observer, 'member': member.name,
        'address': f'{member.address[0]}:{member.address[1]}'
        if ':' not in member.address[0]
        else f'[{member.address[0]}]:{member.address[1]}',
        'status': _STATUS.get(member.status, 'INVALID'),
        'incarnation': f'{member.generation}.{member.version}',
    }


def _cause(verdict: Verdict, changed_at: Optional[int],
           now: float) -> dict[str, Any]:
    def wall(at: Optional[int]) -> float:
        if at is None or changed_at is None:
            return _seconds(now)
        return _seconds(now - (changed_at - at) / 1e9)
    cause: dict[str, Any] = {'reason': verdict.reason,
                             'accuser': verdict.accuser}
    if verdict.declared_by:
        cause['declared_by'] = verdict.declared_by
    cause['from_state_exchange'] = verdict.from_state_exchange
    if verdict.suspected_at is not None:
        cause['suspected_at'] = wall(verdict.suspected_at)
        cause['timeout_s'] = verdict.timeout_ns / 1e9
    if verdict.probe_sent_at is not None:
        cause['probe'] = {
            'sent_at': wall(verdict.probe_sent_at),
            'stream_fallback': verdict.probe_stream_fallback,
            'helpers': list(verdict.probe_helpers),
            'nacks_expected': verdict.probe_nacks_expected,
            'nacks': verdict.probe_nacks,
        }
    cause['confirmations'] = [
        {'member': c.member, 'at': wall(c.at)} for c in verdict.confirmations]
    cause['health'] = verdict.health
    return cause


def event_json(observer: str, event: Event, now: float) -> str:
    """One event as swim-demo prints it with --json-events."""
    if event.member is None:
        out: dict[str, Any] = {'event': event.type, 'observer': observer}
        if event.conflict_address is not None:
            host, port = event.conflict_address
            out['conflict_address'] = f'{host}:{port}'
        else:
            out['origin'] = event.origin
            out['payload'] = _text(event.payload or b'')
        out['t'] = _seconds(now)
        return json.dumps(out, ensure_ascii=False, separators=(',', ':'))
    out = _member_fields(event.type, observer, event.member)
    if event.type == 'status-changed':
        out['previous_status'] = _STATUS.get(event.previous_status or 0,
                                             'INVALID')
        if event.cause is not None:
            out['cause'] = _cause(event.cause, event.member.last_change, now)
    out['metadata'] = {k: _text(v) for k, v in event.member.metadata.items()}
    out['t'] = _seconds(now)
    return json.dumps(out, ensure_ascii=False, separators=(',', ':'))


def _secret(insecure: bool, secret_file: Optional[str]) -> Optional[str]:
    if insecure:
        return None
    path = secret_file or os.environ.get('SWIM_SECRET_FILE')
    if path:
        try:
            with open(path, encoding='utf-8') as f:
                return f.read().strip()
        except OSError as e:
            raise ConfigError(f'cannot read the secret file {path}: '
                              f'{e.strerror}') from None
    secret = os.environ.get('SWIM_SECRET')
    if secret:
        return secret
    raise ConfigError('no key: set SWIM_SECRET (from swim-keygen) or '
                      'SWIM_SECRET_FILE, or pass --insecure for a cluster '
                      'without one')


def _parse(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python3 -m swimcore.demo',
        description='One live cluster member, printing what it sees.')
    parser.add_argument('--name', default='127.0.0.1:7946',
                        metavar='HOST:PORT',
                        help="this member's name and address (default "
                             '127.0.0.1:7946)')
    parser.add_argument('--local', type=int, default=1, metavar='N',
                        help='run N members in this process on consecutive '
                             "ports from --name's, each joining the first; "
                             'without SWIM_SECRET, with a key made for the '
                             'run')
    parser.add_argument('--peer', action='append', default=[],
                        metavar='HOST:PORT',
                        help='a member to join through (repeatable, or '
                             'comma-separated)')
    parser.add_argument('--metadata', nargs='+', action='append',
                        default=[], metavar='KEY=VALUE',
                        help='published metadata: KEY=VALUE or KEY VALUE')
    parser.add_argument('--label', default='', help='the cluster label')
    parser.add_argument('--preset', default='lan',
                        choices=['lan', 'wan', 'local'])
    parser.add_argument('--secret-file', metavar='PATH',
                        help='a file holding the key (default: '
                             '$SWIM_SECRET, or $SWIM_SECRET_FILE)')
    parser.add_argument('--insecure', action='store_true',
                        help='no key: plaintext packets')
    parser.add_argument('--token-interval', type=float, metavar='SECONDS',
                        help="change the 'token' metadata about this often")
    parser.add_argument('--duration-s', type=float, default=0,
                        help='leave and exit after this long (0: until '
                             'SIGINT or SIGTERM)')
    parser.add_argument('--json-events', action='store_true',
                        help='one JSON object per event (swim-demo shape)')
    return parser.parse_args(argv)


def _metadata(items: list[list[str]]) -> dict[str, bytes]:
    metadata: dict[str, bytes] = {}
    for item in items:
        if len(item) == 2 and '=' not in item[0]:
            key, value = item
        elif len(item) == 1 and '=' in item[0]:
            key, value = item[0].split('=', 1)
        else:
            raise ConfigError(f'--metadata {" ".join(item)}: give KEY=VALUE '
                              'or KEY VALUE')
        metadata[key] = value.encode('utf-8')
    return metadata


class _Printer:
    """Writes events and lifecycle lines to stdout, one line each."""

    def __init__(self, json_events: bool, stop: asyncio.Event) -> None:
        self.json_events = json_events
        self.stop = stop

    def _write(self, line: str) -> None:
        # A peer's name that is not UTF-8 arrives as lone surrogates
        # (swimcore's names round-trip its bytes): its bytes are written as
        # escapes (\xff).
        try:
            raw = line.encode('utf-8', 'surrogateescape')
        except UnicodeEncodeError:
            raw = line.encode('utf-8', 'backslashreplace')
        line = raw.decode('utf-8', 'backslashreplace')
        try:
            sys.stdout.write(line + '\n')
            sys.stdout.flush()
        except BrokenPipeError:  # the reader went (| head): leave
            self.stop.set()

    def event(self, observer: str, event: Event) -> None:
        if self.json_events:
            line = event_json(observer, event, time.time())
        elif event.member is not None:
            metadata = {k: _text(v) for k, v in event.member.metadata.items()}
            line = (f'{observer}: {event.type} {event.member.name} '
                    f'{_STATUS.get(event.member.status)} {metadata}')
        else:
            line = (f'{observer}: {event.type} {event.origin or ""} '
                    f'{_text(event.payload or b"")}')
        self._write(line)

    def lifecycle(self, what: str, members: Members) -> None:
        local = members.local
        if not self.json_events:
            self._write(f'{local.name}: {what}')
            return
        generation, version = local.incarnation
        info = MemberInfo(name=local.name, address=local.address,
                          status=local.status.value, generation=generation,
                          version=version, metadata=local.metadata,
                          last_change=None)
        fields = _member_fields(what, local.name, info)
        fields['metadata'] = {k: _text(v) for k, v in local.metadata.items()}
        fields['t'] = _seconds(time.time())
        self._write(json.dumps(fields, ensure_ascii=False,
                               separators=(',', ':')))


async def _member(config: BaseConfig, args: argparse.Namespace,
                  printer: _Printer, stop: asyncio.Event) -> None:
    """Runs one member until *stop* (or --duration-s), then leaves."""
    loop = asyncio.get_running_loop()
    members = Members(config)
    members.events.subscribe(
        lambda event: printer.event(config.local_name, event))
    async with UdpTransport(config).enter(members) as worker:
        printer.lifecycle('started', members)
        deadline = loop.time() + args.duration_s if args.duration_s else None
        rng = random.Random()
        while not stop.is_set():
            timeout = None
            if args.token_interval:
                timeout = max(0.05, rng.gauss(args.token_interval,
                                              args.token_interval / 4))
            if deadline is not None:
                left = deadline - loop.time()
                if left <= 0:
                    break
                timeout = left if timeout is None else min(timeout, left)
            try:
                await asyncio.wait_for(stop.wait(), timeout)
            except asyncio.TimeoutError:
                pass
            if args.token_interval and not stop.is_set():
                metadata = dict(members.local.metadata)
                metadata['token'] = os.urandom(4).hex().encode()
                members.update(members.local, new_metadata=metadata)
        await worker.leave()
    printer.lifecycle('stopped', members)


async def _run(args: argparse.Namespace, configs: list[BaseConfig]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    printer = _Printer(args.json_events, stop)
    # The first starts alone or through --peer; the others join it.
    first = asyncio.ensure_future(_member(configs[0], args, printer, stop))
    await asyncio.sleep(0)
    others = [asyncio.ensure_future(_member(config, args, printer, stop))
              for config in configs[1:]]
    await asyncio.gather(first, *others)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse(argv)
    try:
        if not 1 <= args.local <= 64:
            raise ConfigError('--local must be 1-64')
        peers = [peer for item in args.peer for peer in item.split(',')
                 if peer]
        secret: Union[None, str, bytes]
        if args.local > 1 and not args.insecure and not (
                args.secret_file or os.environ.get('SWIM_SECRET_FILE') or
                os.environ.get('SWIM_SECRET')):
            secret = os.urandom(32)  # a key for this run
        else:
            secret = _secret(args.insecure, args.secret_file)
        host, _, port_text = args.name.rpartition(':')
        if not port_text.isdigit():
            raise ConfigError(f'--name {args.name!r} is not HOST:PORT')
        configs: list[BaseConfig] = []
        for i in range(args.local):
            name = f'{host}:{int(port_text) + i}' if args.local > 1 \
                else args.name
            configs.append(UdpConfig(
                local_name=name, local_metadata=_metadata(args.metadata),
                peers=peers if i == 0 else [configs[0].local_name],
                secret=secret, label=args.label, preset=args.preset))
    except (ConfigError, ValueError) as e:
        print(f'swimcore.demo: {e}', file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(args, configs))
    except OSError as e:
        print(f'swimcore.demo: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
