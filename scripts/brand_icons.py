"""Draw the integration's brand images (`custom_components/local_asr/brand/`): a microphone
with sound waves on a round blue badge. Run with any Python that has Pillow:

    .venv-ha/bin/python scripts/brand_icons.py

Writes icon.png (256 x 256) and icon@2x.png (512 x 512), as Home Assistant's brand rules ask
(square PNG, transparent background)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "custom_components" / "local_asr" / "brand"
BLUE = (3, 169, 244, 255)  # Home Assistant's primary blue
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4


def draw(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = big / 64  # drawn on a 64 x 64 grid
    pen.ellipse((1 * unit, 1 * unit, 63 * unit, 63 * unit), fill=BLUE)
    line = round(3.2 * unit)
    # The microphone's capsule, its cradle and stand.
    pen.rounded_rectangle((25 * unit, 12 * unit, 39 * unit, 36 * unit), radius=7 * unit, fill=WHITE)
    pen.arc((19 * unit, 20 * unit, 45 * unit, 43 * unit), start=0, end=180, fill=WHITE, width=line)
    pen.line((32 * unit, 43 * unit, 32 * unit, 50 * unit), fill=WHITE, width=line)
    pen.line((25 * unit, 50.5 * unit, 39 * unit, 50.5 * unit), fill=WHITE, width=line)
    # Sound waves on both sides.
    for inset, sweep in ((11, 40), (5, 34)):
        box = (inset * unit, (24 - (32 - inset) * 0.55) * unit, (64 - inset) * unit,
               (24 + (32 - inset) * 0.55) * unit)  # fmt: skip
        pen.arc(box, start=-sweep, end=sweep, fill=WHITE, width=round(2.4 * unit))
        pen.arc(box, start=180 - sweep, end=180 + sweep, fill=WHITE, width=round(2.4 * unit))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        draw(size).save(OUT / name, optimize=True)
        print(OUT / name)


if __name__ == "__main__":
    main()
