"""Verwerker: a print-and-mail house's system for processing client personal data."""

__version__ = "0.1.0"
