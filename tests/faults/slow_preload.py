"""A fork-server preload that takes its time (tests/faults/test_ctrl_c.py): it says it has
started by creating the file named by SUNSET_TEST_PRELOAD_MARK, then sleeps."""

import os
import time
from pathlib import Path

Path(os.environ["SUNSET_TEST_PRELOAD_MARK"]).touch()
time.sleep(1.5)
