"""Old path of `affectlab.lm.probing.report`: importing it gives that module itself."""

import sys

from affectlab.lm.probing import report as _module
from affectlab.lm.probing.report import *  # the names, for type checkers

sys.modules[__name__] = _module
