"""Old path of `affectlab.lm.decoding.generation`: importing it gives that module itself."""

import sys

from affectlab.lm.decoding import generation as _module
from affectlab.lm.decoding.generation import *  # the names, for type checkers

sys.modules[__name__] = _module
