"""Offline short-video pipeline: phone clips to branded, captioned vertical videos."""

__version__ = "0.1.0"
