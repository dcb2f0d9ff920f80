"""The credentials server's front door: connections accepted on loopback and held to account until their
request's head (the request line and headers) has arrived whole.

Any local user can connect to the port, so a connection costs the server a file descriptor and a few bytes
until it proves itself, never a thread:
- one thread waits on every connection at once (`selectors`) and reads what has arrived, without blocking;
- a request's head must arrive whole within `Limits.head_deadline` of its connection (however slowly it
  drips) and within `Limits.head_bytes`, else the connection is closed;
- at most `Limits.open_connections` are open in all and `Limits.per_peer` wait for their head per peer
  address: a new connection past either cap closes the oldest one still waiting (of its own peer, else of
  the peer holding the most), so a flood of connections that never finish cannot keep out one that does;
- a request that arrives whole with its connection (what SDKs send) is handed on at once;
- when the process runs out of file descriptors anyway, a reserve descriptor is given up to accept and close
  one connection (so the listening socket never spins on EMFILE), then taken again.

Each finished head goes to `on_head(connection, head)` in this thread, which answers or hands the connection
to a thread of its own, and calls `Listener.closed()` once the connection is closed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import resource
import selectors
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

HEAD_END = re.compile(rb"\r?\n\r?\n")
POLL = 1.0
"""The longest the loop sleeps with nothing to do (deadlines and `stop` wake it sooner)."""
ACCEPT_BATCH = 64
"""Connections accepted per wake-up before the loop reads again: a flood of connects never starves reads."""
BACKLOG = 512
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


@dataclass(frozen=True)
class Limits:
    """What one connection may take before its request is read."""

    head_deadline: float = 5.0
    """Seconds from a connection's accept to the end of its request's headers, however they drip in."""
    head_bytes: int = 16 * 1024
    open_connections: int = 256
    per_peer: int = 128
    """Connections of one peer address still waiting for their head."""

    @classmethod
    def for_this_process(cls) -> Limits:
        """Caps that leave most of the process's file descriptors to the rest of it: a quarter of the soft
        limit in all (256 with the usual 1,024), half of that per peer."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        usable = soft if soft != resource.RLIM_INFINITY else 4096
        total = max(16, min(1024, usable // 4))
        return cls(open_connections=total, per_peer=max(8, total // 2))


class _Waiting:
    """A connection whose request head has not arrived whole yet."""

    __slots__ = ("connection", "deadline", "fd", "head", "peer")

    def __init__(self, connection: socket.socket, peer: str, deadline: float) -> None:
        self.connection = connection
        self.fd = connection.fileno()
        self.peer = peer
        self.deadline = deadline
        self.head = bytearray()


class Listener:
    """Accepts on `listening` (a bound, listening socket) and hands each whole request head to `on_head`."""

    def __init__(
        self,
        listening: socket.socket,
        on_head: Callable[[socket.socket, bytes], None],
        limits: Limits,
    ) -> None:
        self._socket = listening
        self._on_head = on_head
        self.limits = limits
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._waiting: OrderedDict[int, _Waiting] = OrderedDict()
        """By file descriptor, oldest first (so deadlines come in order)."""
        self._by_peer: dict[str, OrderedDict[int, _Waiting]] = {}
        self._handed = 0
        """Connections handed to `on_head` and not closed yet."""
        self._handed_lock = threading.Lock()
        self._reserve: int | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stsui-listener", daemon=True)

    # -- the loop's life -------------------------------------------------------------------------------

    def start(self) -> None:
        self._socket.setblocking(False)
        self._wake_read.setblocking(False)
        self._selector.register(self._socket, selectors.EVENT_READ)
        self._selector.register(self._wake_read, selectors.EVENT_READ)
        self._reserve = _open_reserve()
        self._thread.start()

    def stop(self) -> None:
        """Stop at once: the loop ends, every waiting connection is closed (idempotent)."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"x")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        for waiting in list(self._waiting.values()):
            self._drop(waiting)
        self._selector.close()
        for end in (self._wake_read, self._wake_write):
            end.close()
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None

    def open_connections(self) -> int:
        """Connections open now: waiting for their head, or handed on and not yet closed."""
        with self._handed_lock:
            return len(self._waiting) + self._handed

    def closed(self) -> None:
        """`on_head`'s side: a connection handed to it is closed."""
        with self._handed_lock:
            self._handed -= 1

    def _run(self) -> None:
        while not self._stopping.is_set():
            for key, _ in self._selector.select(self._sleep()):
                if key.fileobj is self._socket:
                    self._accept()
                elif key.fileobj is self._wake_read:
                    with contextlib.suppress(OSError):
                        self._wake_read.recv(64)
                else:
                    self._read(key.data)
            self._expire()

    def _sleep(self) -> float:
        if not self._waiting:
            return POLL
        oldest = next(iter(self._waiting.values()))
        return min(POLL, max(0.0, oldest.deadline - time.monotonic()))

    def _expire(self) -> None:
        now = time.monotonic()
        while self._waiting:
            oldest = next(iter(self._waiting.values()))
            if oldest.deadline > now:
                return
            self._drop(oldest)

    # -- connections -----------------------------------------------------------------------------------

    def _accept(self) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                connection, address = self._socket.accept()
            except BlockingIOError:
                return
            except OSError as error:
                if error.errno in OUT_OF_DESCRIPTORS:
                    self._shed_one()
                return
            self._admit(connection, str(address[0]))

    def _shed_one(self) -> None:
        """Out of file descriptors: give up the reserve to accept one connection and close it, so the
        listening socket stops being ready (no busy loop), then take the reserve again."""
        if self._reserve is None:
            self._reserve = _open_reserve()
            return
        os.close(self._reserve)
        self._reserve = None
        with contextlib.suppress(OSError):
            connection, _ = self._socket.accept()
            connection.close()
        self._reserve = _open_reserve()

    def _admit(self, connection: socket.socket, peer: str) -> None:
        connection.setblocking(False)
        waiting = _Waiting(connection, peer, time.monotonic() + self.limits.head_deadline)
        if self._take(waiting):  # the whole request came with the connection
            return
        if not self._make_room(peer):
            connection.close()
            return
        self._waiting[waiting.fd] = waiting
        self._by_peer.setdefault(peer, OrderedDict())[waiting.fd] = waiting
        self._selector.register(connection, selectors.EVENT_READ, waiting)

    def _make_room(self, peer: str) -> bool:
        """Room for one more waiting connection from `peer`, closing the oldest waiting one if need be;
        False when every open connection is already handed on (none may be closed)."""
        own = self._by_peer.get(peer)
        if own is not None and len(own) >= self.limits.per_peer:
            self._drop(next(iter(own.values())))
            return True
        if self.open_connections() < self.limits.open_connections:
            return True
        if not self._by_peer:
            return False
        busiest = max(self._by_peer.values(), key=len)
        self._drop(next(iter(busiest.values())))
        return True

    def _read(self, waiting: _Waiting) -> None:
        if not self._take(waiting):
            return
        self._forget(waiting)

    def _take(self, waiting: _Waiting) -> bool:
        """Read what has arrived; True once the connection is no longer waiting (its head went to
        `on_head`, or it was closed)."""
        try:
            chunk = waiting.connection.recv(self.limits.head_bytes - len(waiting.head))
        except BlockingIOError:
            return False
        except OSError:
            chunk = b""
        if chunk:
            start = max(0, len(waiting.head) - 3)
            waiting.head += chunk
            end = HEAD_END.search(waiting.head, start)
            if end is not None:
                with self._handed_lock:
                    self._handed += 1
                self._unregister(waiting)
                try:
                    self._on_head(waiting.connection, bytes(waiting.head[: end.end()]))
                except Exception:  # the loop must outlive any one request
                    waiting.connection.close()
                    self.closed()
                return True
            if len(waiting.head) < self.limits.head_bytes:
                return False
        self._unregister(waiting)
        waiting.connection.close()
        return True

    def _unregister(self, waiting: _Waiting) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(waiting.connection)

    def _forget(self, waiting: _Waiting) -> None:
        self._waiting.pop(waiting.fd, None)
        own = self._by_peer.get(waiting.peer)
        if own is not None:
            own.pop(waiting.fd, None)
            if not own:
                del self._by_peer[waiting.peer]

    def _drop(self, waiting: _Waiting) -> None:
        self._unregister(waiting)
        self._forget(waiting)
        waiting.connection.close()


def _open_reserve() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
