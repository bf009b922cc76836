"""`python -m sandbox --port 5055`: run the accounting sandbox in the foreground; with
`--zynk-every 60`, also the stand-in Zynk workflow and Sage 50 company on that schedule."""

import argparse
import contextlib
import os

from sandbox.server import SandboxServer


def _zynk_schedule(args, parser):
    """The stand-in's Schedule from the --zynk-* options (and SANDBOX_ZYNK_*), or None."""
    if not args.zynk_every:
        return None
    from sandbox.sage50.schedule import Schedule
    from sandbox.sage50.schedule import Target

    target = None
    if not args.zynk_credentials:
        secret = os.environ.get("SANDBOX_ZYNK_SECRET") or args.zynk_secret
        if not args.zynk_user or not secret:
            parser.error("--zynk-every needs --zynk-credentials FILE, or --zynk-user and the "
                         "secret (SANDBOX_ZYNK_SECRET, or --zynk-secret)")
        target = Target(args.zynk_url, args.zynk_user, secret)
    return Schedule(args.zynk_every, target, args.zynk_credentials, ledgerlink=args.zynk_url,
                    out=lambda line: print(line, flush=True))


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
    parser.add_argument("--demo-firm", action="store_true", default=None,
                        help="the default organisations also hold the demo firm's contacts (as "
                             "flask seed-demo makes them; or SANDBOX_DEMO_FIRM=on)")
    zynk = parser.add_argument_group("the stand-in Zynk and Sage 50 (see sandbox/README.md)")
    zynk.add_argument("--zynk-every", type=float,
                      default=float(os.environ.get("SANDBOX_ZYNK_EVERY") or 0),
                      help="run the stand-in's cycle every this many seconds (0: never)")
    zynk.add_argument("--zynk-url", default=os.environ.get("SANDBOX_ZYNK_URL",
                                                           "http://127.0.0.1:5000"),
                      help="Ledgerlink's address, where /zynk/download is")
    zynk.add_argument("--zynk-user", default=os.environ.get("SANDBOX_ZYNK_USER"),
                      help="the user name shown when Sage 50 was connected")
    zynk.add_argument("--zynk-secret", default=None,
                      help="the secret shown then (SANDBOX_ZYNK_SECRET keeps it out of the "
                           "process list, and wins)")
    zynk.add_argument("--zynk-credentials", default=os.environ.get("SANDBOX_ZYNK_CREDENTIALS"),
                      help="a JSON file {user, secret} read before every cycle, as "
                           "flask connect-sage50-demo writes it")
    args = parser.parse_args()
    schedule = _zynk_schedule(args, parser)
    server = SandboxServer(args.host, args.port, args.clock_factor, limits=args.limits,
                           demo_firm=args.demo_firm)
    print(f"Accounting sandbox on {server.url}/ (providers: "
          f"{', '.join(server.state['providers']) or 'none'})", flush=True)
    if schedule is not None:
        print(f"Stand-in Zynk and Sage 50: a cycle every {args.zynk_every:g} s against "
              f"{schedule.ledgerlink}/zynk/download", flush=True)
        schedule.start()
    with contextlib.suppress(KeyboardInterrupt):
        server.server.serve_forever()
    if schedule is not None:
        schedule.stop()


if __name__ == "__main__":
    main()
