"""README.md's Python blocks (swim-protocol's README example with the
package name changed) run as written: two members at free ports."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

from conftest import wait_for
from test_mixed import free_port

README = Path(os.environ.get('SWIMCORE_README') or
              Path(__file__).resolve().parents[2] / 'README.md')


def python_blocks() -> list[str]:
    text = README.read_text(encoding='utf-8')
    section = text.split('## Python: `swimcore`', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```python\n(.*?)```', section, flags=re.DOTALL)


async def run_block(block: str, space: dict[str, Any]) -> None:
    """Runs *block* as written, top-level ``await`` and ``async with``
    included (as in an asyncio REPL), with *space* as its globals."""
    code = compile(block, 'README.md', 'exec',
                   flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, space)
    if result is not None:
        await result


async def test_the_readme_example_runs_as_written() -> None:
    config_block, run_block_text, check_block, listen_block = python_blocks()
    ports = [free_port(), free_port()]
    spaces: list[dict[str, Any]] = []
    tasks = []
    done = asyncio.Event()
    for i in range(2):
        mine, other = ports[i], ports[1 - i]
        block = (config_block.replace('2001', str(mine))
                 .replace('2002', str(other)))
        if i == 1:
            block = block.replace("b'one'", "b'two'")
        # "await ...  # run your application": the application runs until
        # the test is done.
        space: dict[str, Any] = {'_application': done.wait}
        await run_block(block, space)
        await run_block(run_block_text.replace(
            'await ...', 'await _application()'), space)
        tasks.append(asyncio.ensure_future(space['run']()))
        spaces.append(space)
    try:
        await wait_for(lambda: all(
            len(space['members'].non_local) == 1 and
            all(m.status.name == 'ONLINE'
                for m in space['members'].non_local) for space in spaces),
            timeout=15, what='both members ONLINE')

        # Checking members: each prints the other, ONLINE, with metadata.
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            await run_block(check_block, spaces[0])
        assert out.getvalue().count(f'127.0.0.1:{ports[1]} Status.ONLINE '
                                    "{'name': b'two'}") == 2

        # The listener, with the program's own work after it inside the
        # block: here, the other member changes its metadata.
        async def work() -> None:
            other = spaces[1]['members']
            other.update(other.local, new_metadata={'name': b'deux'})
            await wait_for(lambda: 'deux' in out.getvalue(),
                           what='the listener called')

        spaces[0]['_work'] = work
        with contextlib.redirect_stdout(out):
            await run_block(listen_block.rstrip('\n') +
                            '\n    await _work()\n', spaces[0])
        assert f"updated: 127.0.0.1:{ports[1]} Status.ONLINE " \
               "{'name': b'deux'}" in out.getvalue()

        # The application ends: both leave through their contexts.
        done.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
        assert all(space['worker'].members.local.status.name == 'LEFT'
                   for space in spaces)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
