"""`python -m sandbox --port 5055`: run the accounting sandbox in the foreground."""

import argparse
import contextlib

from sandbox.server import SandboxServer


def main():
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description="Ledgerlink's local accounting sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--clock-factor", type=float, default=None,
                        help="divide documented token lifetimes and rate windows by this")
    parser.add_argument("--limits", choices=("on", "off"), default=None,
                        help="enforce each package's published rate limits (default on, or "
                             "SANDBOX_LIMITS)")
    args = parser.parse_args()
    server = SandboxServer(args.host, args.port, args.clock_factor, limits=args.limits)
    print(f"Accounting sandbox on {server.url}/ (providers: "
          f"{', '.join(server.state['providers']) or 'none'})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.server.serve_forever()


if __name__ == "__main__":
    main()
