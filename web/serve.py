"""Serve the demo page and the widget (web/dist) on loopback, with a strict Content-Security-Policy.

    python web/serve.py [--port 8080] [--bind 127.0.0.1] [--server http://localhost:5005] [--dist web/dist]

--server is the Rasa server the page's widget talks to: it goes into the page's config object and into the
policy's connect-src, so the page may talk to that server and to no other. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
CONFIG_BLOCK = re.compile(r'(<script type="application/json" id="trialchat-config">)(.*?)(</script>)', re.S)


def origin_of(url: str) -> tuple[str, str]:
    """The http(s) origin of the Rasa server and its ws(s) twin; anything else is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.username or parts.password:
        raise argparse.ArgumentTypeError(f"not an http(s) server address: {url!r}")
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin, origin.replace("http", "ws", 1)


def policy(server: str) -> str:
    http_origin, ws_origin = origin_of(server)
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
        f"connect-src 'self' {http_origin} {ws_origin}", "base-uri 'none'", "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def page_with_server(html: str, server: str) -> str:
    """The demo page with its widget config pointing at `server`."""
    def replace(match: re.Match) -> str:
        config = json.loads(match.group(2))
        config["server"] = server
        return match.group(1) + json.dumps(config).replace("<", "\\u003c") + match.group(3)

    return CONFIG_BLOCK.sub(replace, html, count=1)


class Handler(SimpleHTTPRequestHandler):
    server_url = "http://localhost:5005"

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", policy(self.server_url))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def list_directory(self, path):  # no directory listings
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def do_GET(self) -> None:
        if urlsplit(self.path).path in ("/", "/index.html"):
            html = page_with_server((Path(self.directory) / "index.html").read_text(encoding="utf-8"),
                                    self.server_url).encode("utf-8")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)
            return
        super().do_GET()

    def log_request(self, code="-", size="-") -> None:  # quiet: failed requests only
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            super().log_request(code, size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--server", default="http://localhost:5005", help="the Rasa server the widget talks to")
    parser.add_argument("--dist", type=Path, default=HERE / "dist")
    args = parser.parse_args(argv)
    origin_of(args.server)
    if not (args.dist / "trialchat.js").is_file():
        print(f"serve: {args.dist} has no built widget; run scripts/web_setup.sh", file=sys.stderr)
        return 1
    handler = type("PageHandler", (Handler,), {"server_url": args.server})
    with ThreadingHTTPServer((args.bind, args.port), partial(handler, directory=str(args.dist))) as httpd:
        print(f"serve: demo page on http://localhost:{args.port}/ (widget talks to {args.server})", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
