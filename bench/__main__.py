"""`python -m bench`: run the benchmark and write bench/RESULTS.md."""

import sys

from bench.run import main

sys.exit(main())
