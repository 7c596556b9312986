"""Nashra: Arabic news feeds in, one clean bulletin out."""

__version__ = "0.1.0"
