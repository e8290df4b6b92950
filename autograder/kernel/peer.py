"""One end of a judge-protocol connection: requests out, replies in, requests from the other side
served while waiting (a student function may call a mock the judge lent it, which calls back).

Both peers use this class: the evaluator in the kernel and the judge in the grading process.
Requests carry ``op`` and an ``id`` numbered by the sender; replies carry ``re`` (the id they
answer).  Calls nest like function calls, so the reply a peer waits for is always the one to
its innermost pending request.
"""
from __future__ import annotations

import socket
from collections.abc import Callable

from .wire import ProtocolError, read_frame, send_frame

Handler = Callable[[dict, bytes], tuple[dict, bytes]]


class Peer:
    def __init__(self, sock: socket.socket, handler: Handler):
        self.sock = sock
        self.handler = handler
        self._next = 0

    def send(self, header: dict, payload: bytes = b"") -> None:
        send_frame(self.sock, header, payload)

    def request(self, header: dict, payload: bytes = b"") -> tuple[dict, bytes]:
        """Send a request and return its reply, serving the other side's requests meanwhile."""
        self._next += 1
        rid = self._next
        self.send({**header, "id": rid}, payload)
        while True:
            head, body = read_frame(self.sock)
            if "re" in head:
                if head["re"] != rid:
                    raise ProtocolError("a reply to a request that is not pending")
                return head, body
            if head.get("op") == "done":
                raise ProtocolError("the session ended while a request was pending")
            self.serve(head, body)

    def serve(self, head: dict, body: bytes) -> None:
        """Answer one request of the other side."""
        rid = head.get("id")
        if type(rid) is not int:
            raise ProtocolError("a request without an id")
        reply, payload = self.handler(head, body)
        self.send({**reply, "re": rid}, payload)
