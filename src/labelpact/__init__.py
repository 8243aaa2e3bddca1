"""labelpact: keep AI data-labeling partnerships honest and healthy."""
__version__ = "0.1.0"
