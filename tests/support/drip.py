"""A local user starving a loopback server: COUNT connections that each send one byte a second and never
finish a request, each reconnected as soon as the server drops it.

    python -m tests.support.drip PORT COUNT

Prints `dripping N` (N connections opened so far) after its second round of bytes, then runs until killed.
It raises its own soft file limit to the hard limit first, so it can hold more connections than the server
may.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import sys
import time

REQUEST = b"GET /roles/prod-admin/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100_000


def _connect(port: int) -> socket.socket | None:
    connection = socket.socket()
    connection.setblocking(False)
    try:
        connection.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        connection.close()
        return None
    return connection


def main(port: int, count: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sent: dict[socket.socket, int] = {}
    rounds = opened = 0
    while True:
        while len(sent) < count:
            connection = _connect(port)
            if connection is None:
                break
            sent[connection] = 0
            opened += 1
        for connection, offset in list(sent.items()):
            try:
                if offset and connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    raise ConnectionResetError  # the server closed it
            except BlockingIOError:
                pass  # open, nothing to read: as it should be
            except OSError:
                offset = -1
            try:
                if offset < 0:
                    raise ConnectionResetError
                connection.send(REQUEST[offset : offset + 1])
                sent[connection] = offset + 1
            except BlockingIOError:
                pass  # still connecting
            except OSError:
                del sent[connection]  # dropped by the server: come back
                with contextlib.suppress(OSError):
                    connection.close()
        rounds += 1
        if rounds == 2:
            print(f"dripping {opened}", flush=True)
        time.sleep(1.0)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
