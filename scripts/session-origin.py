#!/usr/bin/env python3
"""An origin that starts a session for every visitor, as a site's login or landing page does.

Serves the sample images like Step1Origin, and answers every request that carries no `Cookie`
with `Set-Cookie: session=N`, a new N each time. Chapter 3 puts a caching proxy in front of it
to show what replaying a stored `Set-Cookie` does to the next visitor.

    scripts/session-origin.py [--port PORT]    (default 8000; 0 for any free port)

It prints `listening on http://127.0.0.1:PORT` when it is ready, like the workshop's servers.
"""
import argparse
import http.server
import pathlib
import sys
import threading

IMAGES = pathlib.Path(__file__).resolve().parent.parent / "Sources" / "Step1Origin" / "SampleImages"


class SessionOrigin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sessions = 0
    lock = threading.Lock()

    def do_GET(self):
        name = self.path.split("?", 1)[0].lstrip("/")
        path = IMAGES / name
        if "/" in name or not name.endswith(".jpg") or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        if "Cookie" not in self.headers:
            with SessionOrigin.lock:
                SessionOrigin.sessions += 1
                session = SessionOrigin.sessions
            self.send_header("Set-Cookie", f"session={session}; Path=/; HttpOnly")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # quiet: the proxy in front logs every request


def main():
    parser = argparse.ArgumentParser(description="An origin that starts a session for every visitor.")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), SessionOrigin)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
