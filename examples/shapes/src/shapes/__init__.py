"""Areas and perimeters of simple shapes."""

import math

__all__ = ["circle_area", "perimeter", "rectangle_area"]


def circle_area(radius: float) -> float:
    """Area of a circle of the given radius."""
    if radius < 0:
        raise ValueError("radius must be non-negative")
    return math.pi * radius * radius


def rectangle_area(width: float, height: float) -> float:
    """Area of a width x height rectangle."""
    if width < 0 or height < 0:
        raise ValueError("sides must be non-negative")
    return width * height


def perimeter(*sides: float) -> float:
    """Perimeter of a polygon given its sides."""
    if len(sides) < 3:
        raise ValueError("a polygon has at least three sides")
    return sum(sides)
