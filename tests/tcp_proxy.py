"""A TCP proxy on 127.0.0.1 that a test can cut and restore: the database "goes away" for
the app behind it while the real server keeps running for everything else."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class TcpProxy:
    """Forwards each connection to ``upstream`` until :meth:`cut`; then drops every open
    connection and refuses new ones (reset at once) until :meth:`restore`. After
    :meth:`silence` new connections are taken but never answered, as when the server's
    host is unreachable."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._down = False
        self._silent = False
        self._held: list[socket.socket] = []
        self._closed = False
        self.refused = 0  # connections refused while cut
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._down = True
            open_sockets, self._open = self._open, set()
        for sock in open_sockets:
            _reset(sock)

    def silence(self) -> None:
        self.cut()
        with self._lock:
            self._silent = True

    def restore(self) -> None:
        with self._lock:
            self._down = self._silent = False
            held, self._held = self._held, []
        for sock in held:
            _reset(sock)

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                down = self._down
                if down:
                    self.refused += 1
                    if self._silent:
                        self._held.append(client)
                        continue
            if down:
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                if self._down:  # cut while connecting
                    _reset(client)
                    _reset(server)
                    continue
                self._open.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with self._lock:
                self._open.discard(sock)
            _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Close at once with a reset, as a stopped server's host answers (shut down first, so
    a thread waiting on the socket wakes up)."""
    for step in (
        lambda: sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)),
        lambda: sock.shutdown(socket.SHUT_RDWR),
        sock.close,
    ):
        with contextlib.suppress(OSError):
            step()
