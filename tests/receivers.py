"""A real HTTP receiver for webhook tests: a local server in the test process that records
every request it gets and answers from a script (status, headers, body, delay per request)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    gate: threading.Event | None = None  # answered only once the test sets it


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Answers in order; the last one repeats.
    script: list[Answer] = field(default_factory=lambda: [Answer()])

    def answers(self, *answers: Answer) -> None:
        self.script = list(answers)


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (a free port) for the duration of the block."""
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                answer = state.script[min(len(state.received), len(state.script)) - 1]
            if answer.delay:
                threading.Event().wait(answer.delay)
            if answer.gate is not None:
                answer.gate.wait(30)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender stopped reading (its cap) or gave up (its timeout): as a real receiver sees it

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
