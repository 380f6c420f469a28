"""The tray icons, drawn with vector shapes (the only PIL importer).

Every icon is a filled circle in the state's colour with a thin darker rim (so it reads on
light and dark panels) and a glyph on top. Shapes are drawn at a multiple of the target
size and downsampled with LANCZOS, which gives clean antialiasing without any font file.
The app icon files in `assets/` are generated from this module by `assets/make_icons.py`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw

from trayapp.model import STATE_COLOURS, State

Badge = Literal["none", "suspected", "offline"]
BADGES: tuple[Badge, ...] = ("none", "suspected", "offline")

COLOURS: dict[State, str] = STATE_COLOURS

WHITE = "#FFFFFF"
NEAR_BLACK = "#111827"

# Sizes of the written app icon files.
PNG_SIZES: tuple[int, ...] = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES: tuple[int, ...] = (32, 64, 128, 256, 512, 1024)
TRAY_SIZE = 64
APP_ICON_SIZE = 256

_SUPERSAMPLE = 4
_MAX_CANVAS = 2048  # above this the supersampling factor drops (a 1024 px icon is drawn at 2x)

Point = tuple[float, float]


def _rgb(colour: str) -> tuple[int, int, int]:
    """The (r, g, b) of a `#RRGGBB` string."""
    value = int(colour.lstrip("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def _darker(colour: str, factor: float = 0.62) -> str:
    """The colour scaled towards black: the rim."""
    r, g, b = (round(channel * factor) for channel in _rgb(colour))
    return f"#{r:02X}{g:02X}{b:02X}"


class _Pen:
    """Draws on a coverage mask in glyph units: (0, 0) is the disc's centre, 1 its radius, y down."""

    ON, OFF = 255, 0

    def __init__(self, mask: Image.Image, centre: float, unit: float, stroke: float) -> None:
        self.draw = ImageDraw.Draw(mask)
        self.centre = centre
        self.unit = unit
        self.stroke = stroke  # the standard stroke width, in canvas pixels

    def _xy(self, point: Point) -> Point:
        return self.centre + point[0] * self.unit, self.centre + point[1] * self.unit

    def dot(self, point: Point, radius: float, ink: int = ON) -> None:
        """A filled circle; `radius` is in strokes."""
        x, y = self._xy(point)
        r = radius * self.stroke
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)

    def line(self, points: Sequence[Point], weight: float = 1.0) -> None:
        """A polyline with round caps and joints, `weight` strokes wide."""
        width = weight * self.stroke
        self.draw.line([self._xy(p) for p in points], fill=self.ON, width=round(width), joint="curve")
        for end in (points[0], points[-1]):
            self.dot(end, weight / 2)

    def arc(self, centre: Point, radius: float, angles: tuple[float, float], weight: float = 1.0) -> None:
        """An arc with round caps; angles in degrees, clockwise from 3 o'clock."""
        x, y = self._xy(centre)
        width = weight * self.stroke
        outer = radius * self.unit + width / 2
        box = (x - outer, y - outer, x + outer, y + outer)
        self.draw.arc(box, angles[0], angles[1], fill=self.ON, width=round(width))
        for angle in angles:
            rad = math.radians(angle)
            self.dot((centre[0] + radius * math.cos(rad), centre[1] + radius * math.sin(rad)), weight / 2)

    def polygon(self, points: Sequence[Point], ink: int = ON) -> None:
        """A filled polygon (ink OFF erases)."""
        self.draw.polygon([self._xy(p) for p in points], fill=ink)


# --- glyphs ------------------------------------------------------------------------------
# Each is light enough that the disc's colour keeps the large majority of the icon, even at 16 px.

Glyph = Callable[[_Pen], None]


def _check(pen: _Pen) -> None:
    # The long stroke runs through the centre, so the centre pixel is always the glyph.
    pen.line([(-0.44, -0.06), (-0.17, 0.21), (0.44, -0.40)])


def _wrench(pen: _Pen) -> None:
    # Drawn along the diagonal from lower left to upper right: a handle, a round head, and
    # the jaw opening cut out of the head.
    def along(t: float, across: float = 0.0) -> Point:
        k = math.sqrt(0.5)
        return (t * k + across * k, -t * k + across * k)

    pen.line([along(-0.50), along(0.12)], weight=0.95)
    head = along(0.24)
    pen.dot(head, 0.30 / 0.22)
    pen.polygon([along(0.22, -0.10), along(0.70, -0.10), along(0.70, 0.10), along(0.22, 0.10)], ink=_Pen.OFF)


def _question(pen: _Pen) -> None:
    bowl, radius, end = (0.0, -0.22), 0.26, 40
    tip = (bowl[0] + radius * math.cos(math.radians(end)), bowl[1] + radius * math.sin(math.radians(end)))
    pen.arc(bowl, radius, (195, end))
    pen.line([tip, (0.0, 0.05), (0.0, 0.18)])
    pen.dot((0.0, 0.44), 0.62)


def _exclamation(pen: _Pen) -> None:
    pen.line([(0.0, -0.50), (0.0, 0.14)])
    pen.dot((0.0, 0.44), 0.62)


def _cross(pen: _Pen) -> None:
    d = 0.31
    pen.line([(-d, -d), (d, d)])
    pen.line([(-d, d), (d, -d)])


def _dash(pen: _Pen) -> None:
    pen.line([(-0.42, 0.0), (0.42, 0.0)], weight=1.15)


_GLYPHS: dict[State, Glyph] = {
    State.OPERATIONAL: _check,
    State.MAINTENANCE: _wrench,
    State.UNKNOWN: _question,
    State.DEGRADED: _exclamation,
    State.PARTIAL: _exclamation,
    State.MAJOR: _cross,
}


def _design(state: State, badge: Badge) -> tuple[str, Glyph, str]:
    """The (fill colour, glyph, glyph colour) of an icon."""
    if badge == "suspected":
        return COLOURS[State.DEGRADED], _question, NEAR_BLACK
    if badge == "offline":
        return COLOURS[State.UNKNOWN], _dash, WHITE
    fill = COLOURS[state]
    return fill, _GLYPHS[state], NEAR_BLACK if state is State.DEGRADED else WHITE


def _geometry(size: int) -> tuple[int, float, float, float, float]:
    """(canvas side, centre, circle radius, rim width, glyph stroke width) at the supersampled scale."""
    factor = max(1, min(_SUPERSAMPLE, _MAX_CANVAS // size))
    canvas = size * factor
    centre = canvas / 2
    margin = max(0.5, size * 0.04) * factor
    radius = canvas / 2 - margin
    rim = max(0.7, size / 40) * factor
    stroke = max(0.22 * radius, 1.5 * factor)
    return canvas, centre, radius, rim, stroke


# LANCZOS ripples below this coverage (out of 255) are snapped to fully off or on.
_RIPPLE = 12
_CLEAN_LUT = [0 if v < _RIPPLE else 255 if v > 255 - _RIPPLE else v for v in range(256)]


def _downsample(mask: Image.Image, size: int) -> Image.Image:
    """A supersampled coverage mask scaled to `size` with LANCZOS, its faint ringing cleared.

    LANCZOS leaves ripples of a few percent around every edge; snapping them to fully off or
    fully on keeps the flat areas exactly the state's colour and the corners fully transparent.
    """
    return mask.resize((size, size), Image.Resampling.LANCZOS).point(_CLEAN_LUT)


def _masks(state: State, badge: Badge, size: int) -> tuple[Image.Image, Image.Image, Image.Image]:
    """The (disc, rim, glyph) coverage masks of an icon at `size`."""
    _, glyph, _ = _design(state, badge)
    canvas, c, radius, rim, stroke = _geometry(size)
    disc = Image.new("L", (canvas, canvas), 0)
    ImageDraw.Draw(disc).ellipse((c - radius, c - radius, c + radius, c + radius), fill=255)
    # The rim mask covers everything outside the inner disc; the disc's alpha trims it.
    outside = Image.new("L", (canvas, canvas), 255)
    inner = radius - rim
    ImageDraw.Draw(outside).ellipse((c - inner, c - inner, c + inner, c + inner), fill=0)
    marks = Image.new("L", (canvas, canvas), 0)
    glyph(_Pen(marks, c, radius, stroke))
    return _downsample(disc, size), _downsample(outside, size), _downsample(marks, size)


def _check_size(size: int) -> None:
    if size < 8:
        raise ValueError(f"icon size too small: {size}")


def render_icon(state: State, size: int = 64, badge: Badge = "none") -> Image.Image:
    """The tray icon of `state` (or of a badge) as a `size`×`size` RGBA image."""
    _check_size(size)
    fill, _, ink = _design(state, badge)
    disc, rim, marks = _masks(state, badge, size)
    image = Image.new("RGB", (size, size), fill)
    image.paste(_darker(fill), mask=rim)
    image.paste(ink, mask=marks)
    image.putalpha(disc)
    return image


def render_template(state: State, size: int = 64, badge: Badge = "none") -> Image.Image:
    """A macOS template image of `state`: black with alpha only, the glyph cut out of the disc."""
    from PIL import ImageChops  # only macOS uses templates

    _check_size(size)
    disc, _, marks = _masks(state, badge, size)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.putalpha(ImageChops.subtract(disc, marks))
    return image


class IconSet:
    """Every tray icon rendered once, when first asked for; `get` returns the same object for
    the same key (the tray compares images by identity to skip unchanged updates).

    Rendering on demand keeps start-up short: the icon needs one image to appear, and most
    runs never show most of the eighteen.
    """

    def __init__(self, size: int = TRAY_SIZE, template: bool = False) -> None:
        """Icons of `size` pixels (template images for macOS if asked)."""
        _check_size(size)
        self._render = render_template if template else render_icon
        self.size = size
        self._images: dict[tuple[State, Badge], Image.Image] = {}
        self._lock = threading.Lock()

    def get(self, state: State, badge: Badge = "none") -> Image.Image:
        """The image of `state` with `badge`, rendered on the first call."""
        # A badge overrides the state's drawing, so every state shares one badge image.
        key = (state, badge) if badge == "none" else (State.UNKNOWN, badge)
        image = self._images.get(key)
        if image is None:
            with self._lock:
                image = self._images.get(key)
                if image is None:
                    image = self._images[key] = self._render(key[0], self.size, badge)
        return image


def app_icon(size: int = APP_ICON_SIZE) -> Image.Image:
    """The application icon: the operational tray icon."""
    return render_icon(State.OPERATIONAL, size)


def write_app_icons(directory: Path) -> list[Path]:
    """Write the app icon files (PNG sizes, ICO, ICNS, one PNG per state) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    rendered = {size: app_icon(size) for size in sorted({*PNG_SIZES, *ICO_SIZES, *ICNS_SIZES})}
    pngs: dict[str, Image.Image] = {"trayapp.png": rendered[APP_ICON_SIZE]}
    pngs.update({f"trayapp-{size}.png": rendered[size] for size in PNG_SIZES})
    pngs.update({f"tray-{state.label}.png": render_icon(state, TRAY_SIZE) for state in State})
    written: list[Path] = []
    for name, image in pngs.items():
        image.save(directory / name, optimize=True)
        written.append(directory / name)
    # Every size is drawn, not scaled from the largest, so small sizes keep crisp glyphs.
    ico = directory / "trayapp.ico"
    rendered[max(ICO_SIZES)].save(
        ico,
        sizes=[(size, size) for size in ICO_SIZES],
        append_images=[rendered[size] for size in ICO_SIZES],
    )
    icns = directory / "trayapp.icns"
    rendered[max(ICNS_SIZES)].save(icns, append_images=[rendered[size] for size in ICNS_SIZES])
    return [*written, ico, icns]
