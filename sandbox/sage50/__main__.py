"""`python -m sandbox.sage50 --ledgerlink http://127.0.0.1:5000 --user zynk-... --secret ...`:
run the stand-in Zynk workflow into an in-memory Sage 50 company every `--every` seconds (the
demo's office PC), printing what each run imported and refused."""

import argparse
import contextlib
import time

from sandbox.sage50.ledger import Sage50Company
from sandbox.sage50.zynk import ZynkWorkflow


def main():
    """Parse arguments and run the workflow on a schedule until interrupted."""
    parser = argparse.ArgumentParser(description="Stand-in Zynk workflow and Sage 50 company")
    parser.add_argument("--ledgerlink", default="http://127.0.0.1:5000",
                        help="Ledgerlink's address (the URLs shown when connecting)")
    parser.add_argument("--user", required=True, help="the user name shown when connecting")
    parser.add_argument("--secret", required=True, help="the secret shown when connecting")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between runs")
    parser.add_argument("--once", action="store_true", help="run once and stop")
    parser.add_argument("--manual-numbers", action="store_true",
                        help="Zynk's Use Manual Invoice Number (Invoice XML)")
    args = parser.parse_args()
    base = args.ledgerlink.rstrip("/")
    workflow = ZynkWorkflow(Sage50Company(), f"{base}/zynk/download", f"{base}/zynk/confirm",
                            f"{base}/zynk/failed", args.user, args.secret,
                            manual_numbers=args.manual_numbers)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            result = workflow.run()
            imported = {record: len(pairs) for record, pairs in result.success.items()}
            refused = {record: len(pairs) for record, pairs in result.failed.items()}
            print(f"Zynk run: imported {imported or 'nothing'}, refused {refused or 'nothing'}; "
                  f"Sage 50 holds {len(workflow.company.headers)} transactions and "
                  f"{len(workflow.company.invoices)} invoices", flush=True)
            if args.once:
                break
            time.sleep(args.every)


if __name__ == "__main__":
    main()
