import math

import pytest

import shapes


def test_circle_area():
    assert shapes.circle_area(2) == pytest.approx(4 * math.pi)


def test_rectangle_area():
    assert shapes.rectangle_area(3, 4) == 12


def test_perimeter():
    assert shapes.perimeter(3, 4, 5) == 12


@pytest.mark.parametrize("call", [lambda: shapes.circle_area(-1), lambda: shapes.perimeter(1, 2)])
def test_invalid_input(call):
    with pytest.raises(ValueError):
        call()
