"""The shop's pages against the hello-world app outside the project: a thin wrapper around ``perf/run.py``.

Usage: .venv/bin/python perf/bench_shop.py [any perf/run.py option, e.g. --seconds 3 --pairs 3]

Runs ``perf/run.py`` with the middleware floor and the shop's pages (menu anonymous and signed in, cart
with three lines, add to cart, order tracking, checkout GET), the order history and 200-item menu growth
figures, and no CEP API (``perf/bench_cep.py`` has it). Options given here override those choices. The
goals, how each figure is measured and what it means are in ``perf/run.py`` and ``perf/README.md``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perf.run import main

PAGES = "floor,menu,menu-signed-in,cart,add-to-cart,tracking,checkout"

if __name__ == "__main__":
    main(["--pages", PAGES, "--growth", "history,menu200", *sys.argv[1:]])
