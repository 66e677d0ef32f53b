"""Old path of `affectlab.lm.model.judges`: importing it gives that module itself."""

import sys

from affectlab.lm.model import judges as _module
from affectlab.lm.model.judges import *  # the names, for type checkers

sys.modules[__name__] = _module
