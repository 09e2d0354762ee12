"""A tiny library: temperature conversions, to give forge's robust example something to test."""

from robust_demo.convert import celsius_to_fahrenheit, fahrenheit_to_celsius

__all__ = ["celsius_to_fahrenheit", "fahrenheit_to_celsius"]
