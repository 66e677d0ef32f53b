"""affectlab: recognise, represent, probe and steer emotion."""

__version__ = "0.1.0"
