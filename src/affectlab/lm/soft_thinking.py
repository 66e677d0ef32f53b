"""Old path of `affectlab.lm.decoding.soft_thinking`: importing it gives that module itself."""

import sys

from affectlab.lm.decoding import soft_thinking as _module
from affectlab.lm.decoding.soft_thinking import *  # the names, for type checkers

sys.modules[__name__] = _module
