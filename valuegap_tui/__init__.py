"""valuegap: measure the value-action gap of language models."""

import os

# The metrics multiply many small matrices (bootstrap weights, sign patterns); OpenBLAS's worker threads
# cost more than they save there, many times more on a busy machine. Set before numpy loads; an explicit
# setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
