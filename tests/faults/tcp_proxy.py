"""A TCP proxy on 127.0.0.1 that a test can cut, to make a server "go away" without stopping it.

The PostgreSQL cluster is shared with other people, so a test never stops it: the app is pointed at this
proxy instead, and ``cut()`` does to the app what a stopped server would (live connections drop, new ones
fail) while the cluster itself keeps running. Standard library only: a thread accepts, two threads per
connection copy bytes.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

__all__ = ["TcpProxy"]

_BUFFER = 64 * 1024


class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``(target_host, target_port)`` until cut.

    Use it as a context manager; ``port`` is a fresh one (port 0), so parallel tests never share a proxy.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self.accepted = 0  # connections forwarded, for tests that want to see a reconnect
        self._thread = threading.Thread(target=self._accept, name=f"tcp-proxy-{self.port}", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._drop_all()
        # Closing the listener alone does not wake a thread blocked in accept() on Linux: connect once to do it.
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- faults ------------------------------------------------------------------------------------------------

    def cut(self) -> int:
        """Drop every live connection and refuse new ones; returns how many connections were dropped."""
        with self._lock:
            self._cut = True
        return self._drop_all()

    def restore(self) -> None:
        """Forward new connections again (the dropped ones stay dropped, as after a server restart)."""
        with self._lock:
            self._cut = False

    # -- internals ---------------------------------------------------------------------------------------------

    def _drop_all(self) -> int:
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _shut(sock)
        # Each connection is two sockets (client side, server side).
        return len(live) // 2

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                closed, cut = self._closed, self._cut
            if closed:
                client.close()
                return
            if cut:
                # What a client of a stopped server sees: the connection ends before any byte is answered.
                _shut(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _shut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._live.update((client, upstream))
                self.accepted += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_BUFFER):
                sink.sendall(data)
        except OSError:
            pass  # one side went away (or cut() shut it): the other side is closed below
        with self._lock:
            self._live.discard(source)
            self._live.discard(sink)
        _shut(source)
        _shut(sink)


def _shut(sock: socket.socket) -> None:
    # shutdown() first: it wakes the pump thread blocked in recv() on this socket, which close() alone may not.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
