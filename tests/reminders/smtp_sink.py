"""A tiny SMTP server for tests (socketserver, standard library only). It records every message it
accepts; it can hold its answer to the n-th message — the moment a test kills the worker — and
then refuse it (451, as a real server does for a transaction whose client went away), so that
"accepted" means exactly what it means for a real server: the 250 after DATA."""

from __future__ import annotations

import email
import socketserver
import threading
from collections import Counter


class _Handler(socketserver.StreamRequestHandler):
    timeout = 120

    def _reply(self, text: str) -> bool:
        try:
            self.wfile.write(text.encode() + b"\r\n")
            self.wfile.flush()
            return True
        except OSError:
            return False

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self._reply("220 sink.test ESMTP")
        while True:
            try:
                line = self.rfile.readline()
            except OSError:
                return
            if not line:
                return
            command = line.decode("utf-8", "replace").strip().upper()
            if command.startswith("EHLO"):
                self._reply("250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10000000")
            elif command.startswith(("HELO", "MAIL", "RCPT", "RSET", "NOOP")):
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 end with .")
                lines = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return  # the client died mid-message: nothing accepted
                    if chunk in (b".\r\n", b".\n"):
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                if not self._reply(sink.received(b"".join(lines))):
                    return
            elif command == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


class SmtpSink:
    def __init__(self):
        self.accepted: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.arrivals = 0
        self.hold_at: int | None = None  # hold the answer to this arrival (1-based)
        self.held = threading.Event()
        self.release = threading.Event()
        self.release_reply = "451 4.4.2 connection lost, try again"
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.sink = self  # type: ignore[attr-defined]
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server.server_address[1]}"

    def received(self, data: bytes) -> str:
        with self.lock:
            self.arrivals += 1
            arrival = self.arrivals
        if self.hold_at is not None and arrival == self.hold_at:
            self.held.set()
            self.release.wait(120)
            reply = self.release_reply
        else:
            reply = "250 2.0.0 queued"
        if reply.startswith("250"):
            with self.lock:
                self.accepted.append(email.message_from_bytes(data))
        return reply

    def counts(self) -> Counter:
        with self.lock:
            return Counter(m["X-TDKT-Reminder"] for m in self.accepted)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
