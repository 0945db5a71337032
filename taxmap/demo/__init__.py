"""Demo region generator: a synthetic Bao'an (or Shenzhen) in the data
contract's input format, with planted bad rows and the ground truth."""

from taxmap.demo.pipeline import generate

__all__ = ["generate"]
