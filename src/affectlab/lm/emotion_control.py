"""Old path of `affectlab.lm.steering.emotion_control`: importing it gives that module itself."""

import sys

from affectlab.lm.steering import emotion_control as _module
from affectlab.lm.steering.emotion_control import *  # the names, for type checkers

sys.modules[__name__] = _module
