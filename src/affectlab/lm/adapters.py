"""Old path of `affectlab.lm.model.adapters`: importing it gives that module itself."""

import sys

from affectlab.lm.model import adapters as _module
from affectlab.lm.model.adapters import *  # the names, for type checkers

sys.modules[__name__] = _module
