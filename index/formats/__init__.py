"""Turning one file format into a raw article: each format in its own module."""
