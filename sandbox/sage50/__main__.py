"""`python -m sandbox.sage50 --ledgerlink http://127.0.0.1:5000 --user zynk-... --every 60`:
run the stand-in Zynk workflow into an in-memory Sage 50 company every `--every` seconds (the
demo's office PC), printing what each cycle imported and refused. The secret comes from
SANDBOX_ZYNK_SECRET, `--secret`, or a prompt; or all three from `--credentials FILE`."""

import argparse
import contextlib
import getpass
import os
import sys

from sandbox.sage50.schedule import Schedule
from sandbox.sage50.schedule import Target


def main():
    """Parse arguments and run the workflow on a schedule until interrupted."""
    parser = argparse.ArgumentParser(description="Stand-in Zynk workflow and Sage 50 company")
    parser.add_argument("--ledgerlink", default=os.environ.get("SANDBOX_ZYNK_URL",
                                                               "http://127.0.0.1:5000"),
                        help="Ledgerlink's address (the start of the URLs shown when connecting)")
    parser.add_argument("--user", default=os.environ.get("SANDBOX_ZYNK_USER"),
                        help="the user name shown when connecting (or SANDBOX_ZYNK_USER)")
    parser.add_argument("--secret", default=os.environ.get("SANDBOX_ZYNK_SECRET"),
                        help="the secret shown when connecting; better SANDBOX_ZYNK_SECRET or "
                             "the prompt, which keep it out of the process list")
    parser.add_argument("--credentials", default=os.environ.get("SANDBOX_ZYNK_CREDENTIALS"),
                        help="a JSON file {ledgerlink, user, secret} read before every cycle "
                             "(flask connect-sage50-demo writes one)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between cycles")
    parser.add_argument("--once", action="store_true", help="run one cycle and stop")
    parser.add_argument("--single-run", action="store_true",
                        help="one workflow run per cycle, as real Zynk (customers, invoices "
                             "and payments then take a cycle each)")
    parser.add_argument("--manual-numbers", action="store_true",
                        help="Zynk's Use Manual Invoice Number (Invoice XML)")
    args = parser.parse_args()
    target = None
    if not args.credentials:
        if not args.user:
            parser.error("give --user (or SANDBOX_ZYNK_USER), or --credentials")
        secret = args.secret or (getpass.getpass("Zynk secret: ") if sys.stdin.isatty()
                                 else None)
        if not secret:
            parser.error("give the secret in SANDBOX_ZYNK_SECRET, --secret or at the prompt")
        target = Target(args.ledgerlink, args.user, secret)
    schedule = Schedule(args.every, target, args.credentials, manual_numbers=args.manual_numbers,
                        settle=not args.single_run, ledgerlink=args.ledgerlink,
                        out=lambda line: print(line, flush=True))
    if args.once:
        schedule.cycle()
        return
    with contextlib.suppress(KeyboardInterrupt):
        schedule.run_forever()


if __name__ == "__main__":
    main()
