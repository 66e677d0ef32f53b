"""Old path of `affectlab.lm.steering.emotion_directions`: importing it gives that module itself."""

import sys

from affectlab.lm.steering import emotion_directions as _module
from affectlab.lm.steering.emotion_directions import *  # the names, for type checkers

sys.modules[__name__] = _module
