"""JSON schemas shipped as package data (read with importlib.resources)."""
