"""A small line plot drawn with Pillow (already a Genie dependency), for benchmark figures in the README."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 800, 480
LEFT, RIGHT, TOP, BOTTOM = 80, 30, 50, 70


def line_plot(
    path: Path,
    points: Sequence[tuple[float, float]],
    *,
    labels: Sequence[str],
    reference: tuple[float, float] | None,
    x_label: str,
    y_label: str,
    title: str,
) -> None:
    """``points`` joined in order, each with its label; ``reference`` drawn as a square marker."""
    xs = [x for x, _ in points] + ([reference[0]] if reference else [])
    ys = [y for _, y in points] + ([reference[1]] if reference else [])
    x0, x1 = 0.0, max(xs) * 1.1 or 1.0
    y0, y1 = 0.0, min(1.0, max(ys) * 1.2) or 1.0
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()

    def at(x: float, y: float) -> tuple[float, float]:
        px = LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)
        py = HEIGHT - BOTTOM - (y - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM)
        return px, py

    draw.rectangle([LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM], outline="black")
    for i in range(6):
        gx = x0 + (x1 - x0) * i / 5
        gy = y0 + (y1 - y0) * i / 5
        px, _ = at(gx, y0)
        _, py = at(x0, gy)
        draw.line([px, TOP, px, HEIGHT - BOTTOM], fill="#e5e5e5")
        draw.line([LEFT, py, WIDTH - RIGHT, py], fill="#e5e5e5")
        draw.text((px - 12, HEIGHT - BOTTOM + 6), f"{gx:.2f}", fill="black", font=font)
        draw.text((LEFT - 40, py - 6), f"{gy:.2f}", fill="black", font=font)
    line = [at(x, y) for x, y in points]
    if len(line) > 1:
        draw.line(line, fill="#1f77b4", width=2)
    for (px, py), label in zip(line, labels, strict=True):
        draw.ellipse([px - 4, py - 4, px + 4, py + 4], fill="#1f77b4")
        draw.text((px + 6, py - 14), f"t={label}", fill="#1f77b4", font=font)
    if reference is not None:
        px, py = at(*reference)
        draw.rectangle([px - 5, py - 5, px + 5, py + 5], fill="#d62728")
        draw.text((px + 8, py + 2), "always default", fill="#d62728", font=font)
    draw.text((LEFT, 18), title, fill="black", font=font)
    draw.text((LEFT + 150, HEIGHT - 30), x_label, fill="black", font=font)
    draw.text((8, TOP - 20), y_label, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
