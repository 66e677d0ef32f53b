"""Old path of `affectlab.lm.probing.sweep`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import sweep as _module
from affectlab.lm.probing.sweep import *  # the names, for type checkers

sys.modules[__name__] = _module
