"""A mail server on 127.0.0.1 that accepts connections and says nothing until told to answer, as
a stuck relay does; then it speaks just enough SMTP to take the messages and keep them."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from typing import BinaryIO


class HangingSmtp:
    def __init__(self) -> None:
        self.answering = threading.Event()
        self.closing = threading.Event()
        self.connections = 0
        self.messages: list[bytes] = []
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = int(self._sock.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def answer(self) -> None:
        self.answering.set()

    def close(self) -> None:
        self.closing.set()
        self.answering.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, suppress(OSError):
            self.answering.wait()
            if self.closing.is_set():
                return
            conn.settimeout(10)
            stream = conn.makefile("rb")
            conn.sendall(b"220 fake ESMTP\r\n")
            for raw in stream:
                verb = raw.split(b" ", 1)[0].strip().upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-fake\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    body = self._data(stream)
                    with self._lock:
                        self.messages.append(body)
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    conn.sendall(b"250 ok\r\n")

    @staticmethod
    def _data(stream: BinaryIO) -> bytes:
        lines = []
        for line in stream:
            if line == b".\r\n":
                break
            lines.append(line)
        return b"".join(lines)
