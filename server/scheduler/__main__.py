"""`python -m server.scheduler [--once]`: the one scheduler process."""

import argparse
import sys

from server import create_app
from server.config import UnsafeSettings
from server.scheduler import run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m server.scheduler", description=__doc__)
    parser.add_argument("--once", action="store_true", help="draw due lotteries, expire due offers and send due messages once, then exit")
    args = parser.parse_args(argv)
    try:
        app = create_app(serve_http=False)  # configures logging (server.logs), as in the web processes
    except UnsafeSettings as exc:
        sys.exit(f"python -m server.scheduler: {exc}")
    run(app, once=args.once)


if __name__ == "__main__":
    main()
