"""CPU a member at rest costs, per process: N members on loopback, one per
process, each written as swim-protocol's README shows (so the same code
runs swimcore and swim-protocol), or swim-demo processes for the C++
driver. After a settling time it reads each process's CPU time from
/proc/PID/task/*/schedstat (nanoseconds) over a window and prints the mean and
range per member in ms of CPU per second (docs/performance.md, "Python").

  python3 python/bench/rest_cpu.py --impl swimcore      # PYTHONPATH=build/python
  python3 python/bench/rest_cpu.py --impl swimprotocol  # PYTHONPATH=<its checkout>
  python3 python/bench/rest_cpu.py --impl cpp --swim-demo bazel-bin/tools/demo/swim-demo

swimcore and swim-demo members are encrypted with a generated key;
swim-protocol signs its packets with its secret (its only mode).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from typing import Any


def free_ports(count: int) -> list[int]:
    """Consecutive-free ports for UDP and TCP on 127.0.0.1."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind(('127.0.0.1', 0))
            port = int(tcp.getsockname()[1])
            try:
                udp.bind(('127.0.0.1', port))
            except OSError:
                continue
        if port not in ports:
            ports.append(port)
    return ports


async def member(impl: str, name: str, peers: list[str],
                 secret: str) -> None:
    # The README's code, with the package's name.
    if impl == 'swimcore':
        from swimcore.members import Members
        from swimcore.udp import UdpConfig, UdpTransport
        from swimcore.worker import Worker
    else:
        from swimprotocol.members import Members  # type: ignore
        from swimprotocol.udp import UdpConfig, UdpTransport  # type: ignore
        from swimprotocol.worker import Worker  # type: ignore
    config: Any = UdpConfig(local_name=name,
                            local_metadata={'name': name.encode()},
                            peers=peers, secret=secret)
    members = Members(config)
    worker = Worker(config, members)
    transport = UdpTransport(config, worker)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(transport)
        await stack.enter_async_context(worker)
        await asyncio.Event().wait()  # the application


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of *pid* (swim-demo runs its member on a
    thread of its own), in nanoseconds."""
    total = 0
    for task in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{task}/schedstat',
                      encoding='ascii') as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--impl', required=True,
                        choices=['swimcore', 'swimprotocol', 'cpp'])
    parser.add_argument('--members', type=int, default=5)
    parser.add_argument('--settle-s', type=float, default=20)
    parser.add_argument('--window-s', type=float, default=60)
    parser.add_argument('--swim-demo', help='swim-demo, for --impl cpp')
    parser.add_argument('--member', nargs=3, metavar=('NAME', 'PEERS',
                                                      'SECRET'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.member:
        name, peers, secret = args.member
        try:
            asyncio.run(member(args.impl, name,
                               [p for p in peers.split(',') if p], secret))
        except KeyboardInterrupt:
            pass
        return 0

    ports = free_ports(args.members)
    names = [f'127.0.0.1:{port}' for port in ports]
    if args.impl == 'swimprotocol':
        secret = os.urandom(16).hex()
    else:
        secret = base64.b64encode(os.urandom(32)).decode()
    processes = []
    for i, name in enumerate(names):
        # swim-protocol needs a peer even for the first member.
        peers = names[0] if i else names[1]
        if args.impl == 'cpp':
            command = [args.swim_demo, f'--name={name}', f'--peer={peers}',
                       '--json-events']
            env = {**os.environ, 'SWIM_SECRET': secret}
        else:
            command = [sys.executable, __file__, '--impl', args.impl,
                       '--member', name, peers, secret]
            env = dict(os.environ)
        processes.append(subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL))
        time.sleep(0.2)
    try:
        time.sleep(args.settle_s)
        for p in processes:
            if p.poll() is not None:
                raise SystemExit(f'a member exited early ({p.args!r})')
        start = [cpu_ns(p.pid) for p in processes]
        started = time.monotonic()
        time.sleep(args.window_s)
        elapsed = time.monotonic() - started
        used = [(cpu_ns(p.pid) - s) / 1e6 / elapsed
                for p, s in zip(processes, start)]
    finally:
        for p in processes:
            p.send_signal(signal.SIGINT)
        for p in processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    print(f'{args.impl}: {args.members} members, {args.window_s:.0f} s '
          f'after {args.settle_s:.0f} s: CPU per member '
          f'{statistics.mean(used):.3f} ms/s (min {min(used):.3f}, '
          f'max {max(used):.3f})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
