"""Old path of `affectlab.lm.model.hooks`: importing it gives that module itself."""

import sys

from affectlab.lm.model import hooks as _module
from affectlab.lm.model.hooks import *  # the names, for type checkers

sys.modules[__name__] = _module
