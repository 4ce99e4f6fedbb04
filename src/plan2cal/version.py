"""The version of plan2cal, in one place for the package and its outputs."""

__version__ = "0.1.0"
