"""Draw the site's raster icons from the shapes of feeds/static/favicon.svg, with Pillow.

Run once by hand when the icon changes (Pillow is not a dependency of the server):
    python bench/make_icons.py feeds/static
It writes favicon.ico (16, 32, 48), icon-32.png, icon-64.png, apple-touch-icon.png (180)
and icon-512.png.
"""

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ORANGE, WHITE = (194, 65, 12, 255), (255, 255, 255, 255)
SCALE = 32  # the SVG's 64-unit box drawn at 2048 pixels, then scaled down smoothly
PNGS = {"icon-32.png": 32, "icon-64.png": 64, "apple-touch-icon.png": 180, "icon-512.png": 512}


def master(rounded: bool = True) -> Image.Image:
    """The icon at 2048 pixels: the orange square, the dot and the two arcs of the SVG."""
    size = 64 * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=14 * SCALE if rounded else 0,
                           fill=ORANGE)
    cx, cy = 12 * SCALE, 52 * SCALE  # both arcs are quarter rings around (12, 52)
    for outer, inner in ((40, 33), (24, 17)):
        draw.pieslice(_box(cx, cy, outer), 270, 360, fill=WHITE)
        draw.pieslice(_box(cx, cy, inner), 270, 360, fill=ORANGE)
    draw.ellipse(_box(18 * SCALE, 46 * SCALE, 6), fill=WHITE)
    return image


def _box(cx: int, cy: int, radius: int) -> tuple[int, int, int, int]:
    """The bounding box of a circle of radius (in SVG units) around (cx, cy) in pixels."""
    r = radius * SCALE
    return (cx - r, cy - r, cx + r, cy + r)


def write_icons(folder: Path) -> None:
    """Write every raster icon into folder."""
    image = master()
    # iOS rounds the corners of an apple-touch-icon itself: give it a full square.
    square = master(rounded=False)
    for name, size in PNGS.items():
        source = square if name == "apple-touch-icon.png" else image
        source.resize((size, size), Image.Resampling.LANCZOS).save(folder / name, optimize=True)
    # Bitmaps inside the .ico, not PNGs: the older icon decoders of some readers need them.
    image.save(folder / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)],
               bitmap_format="bmp")


if __name__ == "__main__":
    write_icons(Path(sys.argv[1] if len(sys.argv) > 1 else "feeds/static"))
