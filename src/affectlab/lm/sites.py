"""Old path of `affectlab.lm.model.sites`: importing it gives that module itself."""

import sys

from affectlab.lm.model import sites as _module
from affectlab.lm.model.sites import *  # the names, for type checkers

sys.modules[__name__] = _module
