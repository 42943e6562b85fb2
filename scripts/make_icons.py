#!/usr/bin/env python3
"""Draw the app icons as PNG files with nothing but the standard library.

Run once after changing the design; the PNGs are committed, so neither the build nor
the app needs an imaging library:  python3 scripts/make_icons.py

The mark: a path running up to a sunrise on the horizon, on the app's green. The
"any" icons are rounded squares on transparency; the maskable ones fill the square
and keep the mark inside the central safe circle (radius 40 %), so any launcher
mask (circle, squircle) leaves it whole.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "journal" / "static" / "icons"
GREEN = (47, 93, 80)
CREAM = (242, 230, 201)
MINT = (143, 208, 184)
SAMPLES = 4  # per axis: 16 samples a pixel, enough for smooth edges

Color = tuple[int, int, int]
Shape = Callable[[float, float], Color | None]


def _inside_triangle(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> bool:
    def side(p: tuple[float, float], q: tuple[float, float]) -> float:
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def mark(scale: float) -> Shape:
    """The mark in unit coordinates, shrunk by `scale` around the centre."""

    def at(x: float, y: float) -> Color | None:
        u, v = 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale
        horizon = 0.56
        # The sun: a half disc resting on the horizon.
        if v <= horizon and (u - 0.5) ** 2 + (v - horizon) ** 2 <= 0.2**2:
            return CREAM
        # The horizon line.
        if horizon <= v <= horizon + 0.035 and 0.2 <= u <= 0.8:
            return CREAM
        # The path, narrowing as it nears the horizon.
        if _inside_triangle(u, v, (0.3, 0.84), (0.7, 0.84), (0.5, horizon + 0.035)):
            # Two tracks along the path, darker so the path reads as a road.
            lane = abs(u - 0.5) / max(1e-6, (v - horizon) * (0.2 / 0.245))
            if 0.0 <= lane < 0.12:
                return GREEN
            return MINT
        return None

    return at


def rounded_square(radius: float) -> Callable[[float, float], bool]:
    def inside(x: float, y: float) -> bool:
        cx = min(max(x, radius), 1 - radius)
        cy = min(max(y, radius), 1 - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2

    return inside


def render(size: int, maskable: bool) -> bytes:
    shape = mark(0.78 if maskable else 1.0)
    background = (lambda x, y: True) if maskable else rounded_square(0.22)
    rows = bytearray()
    step = 1.0 / (size * SAMPLES)
    for py in range(size):
        rows.append(0)  # PNG filter type "none"
        for px in range(size):
            r = g = b = a = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    if not background(x, y):
                        continue
                    color = shape(x, y) or GREEN
                    r, g, b, a = r + color[0], g + color[1], b + color[2], a + 1
            n = SAMPLES * SAMPLES
            if a:
                rows += bytes((round(r / a), round(g / a), round(b / a), round(255 * a / n)))
            else:
                rows += b"\0\0\0\0"
    return png(size, size, bytes(rows))


def png(width: int, height: int, raw_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + chunk(b"IEND", b"")
    )


ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-192.png": (192, True),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS draws its own corners on a full square
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        (OUT / name).write_bytes(render(size, maskable))
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
