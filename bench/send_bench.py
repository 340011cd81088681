"""Messages per second from `salesplan send` to a local aiosmtpd, without throttling.

    .venv/bin/python bench/send_bench.py --reps 2000 [--size 14000] [--security starttls|ssl|none]

Builds a synthetic output folder (manifest and files of `size` random bytes, about a real
workbook's size) and a server on 127.0.0.1 in this process (STARTTLS and AUTH by default), then
times one `send` of every message. The server shares the process, so the number is a floor.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: its test server

from tests.delivery.folders import make_folder  # noqa: E402
from tests.delivery.smtp_server import Mailbox, mail_server  # noqa: E402
from xl_addin.delivery.send import send  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=2000)
    p.add_argument("--size", type=int, default=14_000, help="bytes per workbook")
    p.add_argument("--security", choices=("starttls", "ssl", "none"), default="starttls")
    args = p.parse_args()
    warnings.simplefilter("ignore")  # aiosmtpd's warnings about itself
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_folder(Path(tmp) / "books", args.reps, size=args.size)
        mailbox = Mailbox(keep=False)
        with mail_server(Path(tmp) / "tls", security=args.security, mailbox=mailbox) as server:
            started = time.perf_counter()
            report = send(folder, env=server.env, rate=math.inf, out=io.StringIO())
            seconds = time.perf_counter() - started
        assert report.exit_code == 0 and len(mailbox.received) == args.reps
    print(
        f"{args.reps} messages of {args.size:,} bytes over {args.security} in {seconds:.2f} s: "
        f"{args.reps / seconds:.0f} messages/s"
    )


if __name__ == "__main__":
    main()
