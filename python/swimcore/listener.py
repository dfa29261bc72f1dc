"""Callbacks and waiters for member changes, as in swim-protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Optional, TypeVar

__all__ = ['Listener', 'ListenerCallback', 'Registration']

ListenT = TypeVar('ListenT')

#: An async function called with each item notified.
ListenerCallback = Callable[[ListenT], Awaitable[Any]]


class Registration:
    """A callback's registration: a context manager, plain or async, that
    unregisters it on exit (or :meth:`close`)."""

    def __init__(self, unregister: Callable[[], None]) -> None:
        self._unregister: Optional[Callable[[], None]] = unregister

    def close(self) -> None:
        if self._unregister is not None:
            self._unregister()
            self._unregister = None

    def __enter__(self) -> Registration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Registration:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class Listener(Generic[ListenT]):
    """Producers call :meth:`notify`; consumers register a callback with
    :meth:`on_notify` or wait with :meth:`poll`.

    Callbacks run as tasks of the running event loop, one per item, in the
    order notified; an exception in one is reported by the loop and stops
    nothing else.
    """

    def __init__(self, cls: type[ListenT]) -> None:
        self._callbacks: list[ListenerCallback[ListenT]] = []
        self._subscribers: list[Callable[[ListenT], Any]] = []
        self._waiters: list[tuple[asyncio.Event, list[ListenT]]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def on_notify(self, callback: Callable[..., Awaitable[Any]],
                  *args: Any, **kwargs: Any) -> Registration:
        """Calls ``callback(item, *args, **kwargs)`` for every item notified
        while the returned context manager is entered (``with`` or ``async
        with``; registered at once, unregistered on exit)."""
        if not callable(callback):
            raise TypeError('callback must be an async function')

        async def call(item: ListenT) -> Any:
            return await callback(item, *args, **kwargs)

        self._callbacks.append(call)
        return Registration(lambda: self._callbacks.remove(call))

    def subscribe(self, callback: Callable[[ListenT], Any]) -> Registration:
        """Like :meth:`on_notify` for a plain function, called inside
        :meth:`notify` itself: in order, before anything else runs. It must
        not block; an exception from it is reported by the event loop's
        exception handler and stops nothing else."""
        if not callable(callback):
            raise TypeError('callback must be callable')
        self._subscribers.append(callback)
        return Registration(lambda: self._subscribers.remove(callback))

    async def poll(self) -> list[ListenT]:
        """Waits for the next :meth:`notify` and returns every item notified
        before this task ran again (one or more)."""
        event = asyncio.Event()
        items: list[ListenT] = []
        self._waiters.append((event, items))
        try:
            await event.wait()
        finally:
            self._waiters.remove((event, items))
        return items

    def notify(self, item: ListenT) -> None:
        """Hands *item* to every callback and waiter."""
        for subscriber in list(self._subscribers):
            try:
                subscriber(item)
            except Exception as e:  # the notifier goes on
                asyncio.get_running_loop().call_exception_handler({
                    'message': f'listener subscriber {subscriber!r} raised',
                    'exception': e})
        for event, items in self._waiters:
            items.append(item)
            event.set()
        for callback in list(self._callbacks):
            task = asyncio.ensure_future(callback(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
