"""Old path of `affectlab.lm.model.fluency`: importing it gives that module itself."""

import sys

from affectlab.lm.model import fluency as _module
from affectlab.lm.model.fluency import *  # the names, for type checkers

sys.modules[__name__] = _module
