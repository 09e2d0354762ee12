"""A tiny package."""
