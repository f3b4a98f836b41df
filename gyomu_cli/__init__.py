"""gyomu: call recorders and recording cameras run under a recording regulation."""

__version__ = "0.1.0"
