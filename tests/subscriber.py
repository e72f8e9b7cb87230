"""A real WebSub subscriber on loopback for the hub's tests: it answers verifications as told
and records every request the hub makes of it."""

import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    """One request the hub made: method, query parameters, headers, body, when it ended."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


class Subscriber:
    """A callback server: confirm or not, fail the first POSTs, answer POSTs slowly."""

    def __init__(self, confirm: bool = True, fail_posts: int = 0, slow_seconds: float = 0):
        self.confirm = confirm
        self.fail_posts = fail_posts
        self.slow_seconds = slow_seconds
        self.calls: list[Call] = []
        self.failed_posts = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                owner.calls.append(Call("GET", params, dict(self.headers), b""))
                echo = owner.confirm and params.get("hub.mode") != "denied"
                body = params.get("hub.challenge", "").encode() if echo else b"no"
                self.send_response(200 if echo or params.get("hub.mode") == "denied" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if owner.fail_posts > 0:
                    owner.fail_posts -= 1
                    owner.failed_posts += 1
                    self.send_response(500)
                    self.end_headers()
                    return
                time.sleep(owner.slow_seconds)
                owner.calls.append(Call("POST", {}, dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/callback") -> str:
        """A callback URL on this server."""
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def verifications(self, mode: str = "subscribe") -> list[Call]:
        """The hub's GETs of that mode."""
        return [c for c in self.calls if c.method == "GET" and c.params.get("hub.mode") == mode]

    def deliveries(self) -> list[Call]:
        """The documents the hub pushed."""
        return [c for c in self.calls if c.method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hub_request(hub: str, **params: str) -> tuple[int, str]:
    """POST a form to the hub (hub_mode= for hub.mode): (status, body text)."""
    data = urllib.parse.urlencode({k.replace("_", ".", 1): v for k, v in params.items()})
    request = urllib.request.Request(hub, data=data.encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def wait_until(check, seconds: float = 20, what: str = "the hub") -> None:
    """Poll check() until it is true, or fail after seconds."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)
