"""The tests of each room (model/, probing/, steering/, decoding/) share `_lm_tiny` from here."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
