import sys

import pytest

from robust_demo import celsius_to_fahrenheit, fahrenheit_to_celsius


@pytest.mark.parametrize(("celsius", "fahrenheit"), [(0, 32), (100, 212), (-40, -40)])
def test_round_trip(celsius: float, fahrenheit: float) -> None:
    assert celsius_to_fahrenheit(celsius) == fahrenheit
    assert fahrenheit_to_celsius(fahrenheit) == pytest.approx(celsius)


def test_below_absolute_zero() -> None:
    with pytest.raises(ValueError, match="absolute zero"):
        celsius_to_fahrenheit(-300)
    with pytest.raises(ValueError, match="absolute zero"):
        fahrenheit_to_celsius(-500)


def test_interpreter() -> None:
    # Each instance of the `test` session runs on its own Python.
    print("PYTHON", "{}.{}".format(*sys.version_info[:2]))
