"""Old path of `affectlab.lm.probing.probe_data`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import probe_data as _module
from affectlab.lm.probing.probe_data import *  # the names, for type checkers

sys.modules[__name__] = _module
