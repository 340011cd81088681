"""`python -m tests.delivery.run_send DIR [--rate N] [--only ID…] [--resend] [--dry-run]`:
`salesplan send` as its own process, for the crash test (and until the CLI has the command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.problems import PlanError
from xl_addin.delivery.send import send
from xl_addin.messages import problems_text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="run_send")
    p.add_argument("folder", type=Path)
    p.add_argument("--only", nargs="+", metavar="ID")
    p.add_argument("--rate", type=float, default=30)
    p.add_argument("--resend", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    args = p.parse_args(argv)
    try:
        report = send(
            args.folder, only=args.only, rate=args.rate, resend=args.resend, dry_run=args.dry_run
        )
    except PlanError as e:
        print(problems_text(e.problems, "en"), file=sys.stderr)
        return 2
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
