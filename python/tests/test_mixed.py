"""Python and C++ members in one cluster: swim-demo processes (SWIM_DEMO)
and Python members join, see each other's metadata, find a killed C++
member OFFLINE, and see graceful leaves both ways."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import start, wait_for
from swimcore import Status

DEMO = os.environ.get('SWIM_DEMO')

# Skipped only where nothing asks for it: run_tests.sh (CI) requires it.
pytestmark = pytest.mark.skipif(
    not DEMO and not os.environ.get('SWIMCORE_REQUIRE_ALL'),
    reason='SWIM_DEMO (the swim-demo program) is not set')

FAST_FLAGS = ['--probe-interval=200ms', '--probe-timeout=80ms',
              '--gossip-interval=50ms', '--suspicion-mult=3',
              '--push-pull-interval=2s']


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(('127.0.0.1', 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(('127.0.0.1', port))
                except OSError:
                    continue
        return port


class CppMember:
    """A swim-demo process printing JSON events to a file."""

    def __init__(self, tmp: Path, port: int, peer: Optional[str],
                 key: str, metadata: str) -> None:
        self.name = f'127.0.0.1:{port}'
        self.log = tmp / f'{port}.json'
        args = [str(DEMO), f'--name={self.name}', '--json-events',
                f'--metadata={metadata}', *FAST_FLAGS]
        if peer:
            args.append(f'--peer={peer}')
        env = {**os.environ, 'SWIM_SECRET': key}
        with open(self.log, 'w', encoding='utf-8') as out:
            self.process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.DEVNULL, env=env)

    def events(self) -> Iterator[dict[str, Any]]:
        with open(self.log, encoding='utf-8') as f:
            for line in f:
                if line.endswith('\n'):
                    yield json.loads(line)

    def status_of(self, name: str) -> Optional[str]:
        status = None
        for event in self.events():
            if event.get('member') == name and event['observer'] != name \
                    and 'status' in event:
                status = event['status']
        return status

    def metadata_of(self, name: str) -> dict[str, str]:
        metadata: dict[str, str] = {}
        for event in self.events():
            if event.get('member') == name and 'metadata' in event:
                metadata = event['metadata']
        return metadata

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def test_python_and_cpp_members_form_one_cluster(
        key: str, tmp_path: Path) -> None:
    cpp1 = CppMember(tmp_path, free_port(), None, key, 'lang=c++')
    cpp2 = CppMember(tmp_path, free_port(), cpp1.name, key, 'lang=c++')
    try:
        async with AsyncExitStack() as stack:
            pa = await start(stack, 'py-a', key, [cpp1.name],
                             local_metadata={'lang': b'python'})
            pb = await start(stack, 'py-b', key, [cpp2.name])
            cpp = [cpp1, cpp2]
            python = [pa, pb]
            names = [m.name for m in cpp] + [m.name for m in python]

            # One cluster: each member sees the three others ONLINE.
            await wait_for(lambda: all(
                p.status_of(n) == Status.ONLINE
                for p in python for n in names if n != p.name), timeout=15,
                what='Python members see everyone')
            await wait_for(lambda: all(
                c.status_of(n) == 'ONLINE'
                for c in cpp for n in names if n != c.name), timeout=15,
                what='C++ members see everyone')

            # Metadata both ways, and a change from Python.
            assert pb.members.get(cpp1.name).metadata == {  # type: ignore[union-attr]
                'lang': b'c++'}
            assert cpp2.metadata_of('py-a') == {'lang': 'python'}
            pa.members.update(pa.members.local,
                              new_metadata={'lang': b'python', 'v': b'2'})
            await wait_for(lambda: cpp2.metadata_of('py-a') ==
                           {'lang': 'python', 'v': '2'},
                           what='C++ sees the change')

            # A killed C++ member: OFFLINE at every other member.
            cpp2.process.send_signal(signal.SIGKILL)
            cpp2.process.wait()
            await wait_for(lambda: all(
                p.status_of(cpp2.name) == Status.OFFLINE for p in python)
                and cpp1.status_of(cpp2.name) == 'OFFLINE', timeout=20,
                what='cpp2 OFFLINE everywhere')
            cause = pa.members.get(cpp2.name).cause  # type: ignore[union-attr]
            assert cause is not None and cause.reason in (
                'timed-out', 'declared')

            # A Python member leaves: LEFT at the C++ member.
            await pb.worker.leave()
            await wait_for(lambda: cpp1.status_of('py-b') == 'LEFT',
                           what='C++ sees the Python leave')

            # A C++ member leaves (SIGTERM): LEFT at the Python member.
            cpp1.process.send_signal(signal.SIGTERM)
            await wait_for(lambda: pa.status_of(cpp1.name) == Status.LEFT,
                           what='Python sees the C++ leave')
            assert cpp1.process.wait(timeout=10) == 0
    finally:
        for c in (cpp1, cpp2):
            c.stop()
