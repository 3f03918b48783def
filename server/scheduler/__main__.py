"""`python -m server.scheduler [--once]`: the one scheduler process."""

import argparse
import logging

from server import create_app
from server.scheduler import run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m server.scheduler", description=__doc__)
    parser.add_argument("--once", action="store_true", help="send what is due now, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(create_app(), once=args.once)


if __name__ == "__main__":
    main()
