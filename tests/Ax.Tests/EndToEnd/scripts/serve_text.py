"""An HTTP server that answers every GET with one fixed text: serve_text.py PORT TEXT."""
import http.server
import sys

port, text = int(sys.argv[1]), sys.argv[2].encode() + b"\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
