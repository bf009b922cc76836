"""Run the sandbox in a background thread, for tests and the demo."""

import threading

from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from sandbox.app import create_sandbox_app


class _QuietHandler(WSGIRequestHandler):
    """No access log: callback URLs carry codes and states."""

    def log_request(self, *args, **kwargs):
        pass


class SandboxServer:
    """A threaded sandbox server on a loopback port."""

    def __init__(self, host="127.0.0.1", port=0, clock_factor=None, faults=None, limits=None,
                 demo_firm=None):
        self.app = create_sandbox_app(clock_factor, faults, limits, demo_firm)
        self.server = make_server(host, port, self.app, threaded=True,
                                  request_handler=_QuietHandler)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def state(self):
        """The in-process sandbox objects (clock and providers), for tests."""
        return self.app.extensions["sandbox"]

    def start(self):
        """Serve in a daemon thread; return self."""
        self.thread.start()
        return self

    def stop(self):
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
