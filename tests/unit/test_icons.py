"""The tray icons: colours from the contract, glyphs per state, templates, app icon files."""

from __future__ import annotations

import ast
import itertools
from collections import Counter
from pathlib import Path

import pytest
from PIL import IcnsImagePlugin, Image

from trayapp.model import State
from trayapp.shell.icons import (
    BADGES,
    COLOURS,
    ICNS_SIZES,
    ICO_SIZES,
    NEAR_BLACK,
    PNG_SIZES,
    IconSet,
    render_icon,
    render_template,
    write_app_icons,
)

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
RUNTIME = ROOT / "trayapp" / "resources"

SIZES = (16, 22, 24, 32, 48, 64)
RGB = tuple[int, int, int]

# The contract's table, written out again on purpose: a change must be made in both places.
CONTRACT = {
    State.OPERATIONAL: "#22A04B",
    State.MAINTENANCE: "#3B82F6",
    State.UNKNOWN: "#9CA3AF",
    State.DEGRADED: "#EAB308",
    State.PARTIAL: "#F97316",
    State.MAJOR: "#DC2626",
}
WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


def hex_rgb(colour: str) -> RGB:
    value = int(colour.lstrip("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def distance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a[:3], b[:3], strict=True)) ** 0.5)


def pixels(image: Image.Image) -> list[tuple[int, int, int, int]]:
    return [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]  # type: ignore[misc]


def opaque(image: Image.Image) -> list[RGB]:
    return [(r, g, b) for r, g, b, a in pixels(image) if a == 255]


def dominant(image: Image.Image) -> RGB:
    return Counter(opaque(image)).most_common(1)[0][0]


def is_glyph(pixel: tuple[int, ...]) -> bool:
    """White or near-black: the only glyph inks."""
    return pixel[3] > 200 and min(distance(pixel, WHITE), distance(pixel, BLACK)) < 70


def glyph_mask(image: Image.Image) -> frozenset[tuple[int, int]]:
    return frozenset(
        (x, y)
        for y in range(image.height)
        for x in range(image.width)
        if is_glyph(image.getpixel((x, y)))  # type: ignore[arg-type]
    )


def off_the_mix(pixel: tuple[int, ...], a: RGB, b: RGB) -> float:
    """How far `pixel` is from every blend of colours `a` and `b`."""
    direction = [y - x for x, y in zip(a, b, strict=True)]
    offset = [p - x for p, x in zip(pixel[:3], a, strict=True)]
    t = sum(d * o for d, o in zip(direction, offset, strict=True)) / sum(d * d for d in direction)
    t = min(1.0, max(0.0, t))
    closest = tuple(round(x + t * d) for x, d in zip(a, direction, strict=True))
    return distance(pixel, closest)


def centre_block(image: Image.Image) -> list[tuple[int, int, int, int]]:
    c = image.width // 2
    return [image.getpixel((x, y)) for y in (c - 1, c) for x in (c - 1, c)]  # type: ignore[misc]


def test_colours_are_the_contracts() -> None:
    assert COLOURS == CONTRACT


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(State), ids=lambda s: s.label)
def test_icon_is_the_state_colour_with_a_glyph(state: State, size: int) -> None:
    image = render_icon(state, size)
    assert image.mode == "RGBA"
    assert image.size == (size, size)
    last = size - 1
    assert all(image.getpixel(corner)[3] == 0 for corner in ((0, 0), (last, 0), (0, last), (last, last)))  # type: ignore[index]
    target = hex_rgb(CONTRACT[state])
    assert distance(dominant(image), target) <= 4
    solid = opaque(image)
    near = sum(1 for pixel in solid if distance(pixel, target) <= 24)
    assert near / len(solid) >= 0.5, f"only {near}/{len(solid)} opaque pixels are the state colour"
    centre = centre_block(image)
    assert any(is_glyph(pixel) for pixel in centre)
    # Nothing else (no rim, no transparency) at the centre: the colour, the glyph, or a mix of both.
    ink = hex_rgb(NEAR_BLACK) if state is State.DEGRADED else WHITE
    assert all(pixel[3] == 255 and off_the_mix(pixel, target, ink) < 30 for pixel in centre)


@pytest.mark.parametrize("size", SIZES)
def test_glyph_ink_is_white_except_on_yellow(size: int) -> None:
    for state in State:
        inks = [
            opaque_pixel
            for opaque_pixel in opaque(render_icon(state, size))
            if is_glyph((*opaque_pixel, 255))
        ]
        mean = sum(sum(pixel) for pixel in inks) / (3 * len(inks))
        if state is State.DEGRADED:
            assert mean < 80, state
        else:
            assert mean > 175, state


@pytest.mark.parametrize("size", [16, 32, 64])
def test_each_state_has_its_own_glyph(size: int) -> None:
    masks = {state: glyph_mask(render_icon(state, size)) for state in State}
    # Degraded and partial share the "!"; they differ by colour.
    distinct = [s for s in State if s is not State.PARTIAL]
    for a, b in itertools.combinations(distinct, 2):
        assert masks[a] != masks[b], f"{a.label} and {b.label} look alike"
    assert dominant(render_icon(State.DEGRADED, size)) != dominant(render_icon(State.PARTIAL, size))


@pytest.mark.parametrize("size", SIZES)
def test_suspected_badge_is_yellow_with_a_question_mark(size: int) -> None:
    image = render_icon(State.OPERATIONAL, size, "suspected")
    assert distance(dominant(image), hex_rgb(CONTRACT[State.DEGRADED])) <= 4
    assert any(is_glyph(pixel) for pixel in centre_block(image))
    # The same "?" as the unknown icon, in near-black ink as on every yellow icon.
    template = render_template(State.UNKNOWN, size)
    assert render_template(State.OPERATIONAL, size, "suspected").tobytes() == template.tobytes()
    inks = [pixel for pixel in opaque(image) if is_glyph((*pixel, 255))]
    assert sum(map(sum, inks)) / (3 * len(inks)) < 80


@pytest.mark.parametrize("size", SIZES)
def test_offline_badge_is_grey_with_a_dash(size: int) -> None:
    image = render_icon(State.MAJOR, size, "offline")
    assert distance(dominant(image), hex_rgb(CONTRACT[State.UNKNOWN])) <= 4
    mask = glyph_mask(image)
    assert mask
    assert mask != glyph_mask(render_icon(State.UNKNOWN, size))
    # A dash: wider than tall, and centred.
    xs = [x for x, _ in mask]
    ys = [y for _, y in mask]
    assert max(xs) - min(xs) > 2 * (max(ys) - min(ys))
    assert any(is_glyph(pixel) for pixel in centre_block(image))


def test_a_badge_overrides_the_state() -> None:
    for badge in ("suspected", "offline"):
        images = {render_icon(state, 32, badge).tobytes() for state in State}
        assert len(images) == 1, badge


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("badge", BADGES)
def test_template_is_black_and_alpha_with_the_glyph_cut_out(size: int, badge: str) -> None:
    for state in State:
        template = render_template(state, size, badge)  # type: ignore[arg-type]
        assert template.mode == "RGBA"
        assert template.size == (size, size)
        data = pixels(template)
        assert {pixel[:3] for pixel in data} == {BLACK}
        alphas = [pixel[3] for pixel in data]
        assert alphas[0] == 0
        assert max(alphas) == 255
        # The glyph is a hole in the disc: transparent where the icon shows its glyph.
        icon = render_icon(state, size, badge)  # type: ignore[arg-type]
        holes = [
            template.getpixel(point)[3]  # type: ignore[index]
            for point in glyph_mask(icon)
        ]
        assert holes
        assert sum(holes) / len(holes) < 100


def test_rendering_is_deterministic() -> None:
    for state, badge in itertools.product(State, BADGES):
        assert render_icon(state, 24, badge).tobytes() == render_icon(state, 24, badge).tobytes()


def test_large_sizes_render() -> None:
    image = render_icon(State.MAJOR, 1024)
    assert image.size == (1024, 1024)
    assert distance(dominant(image), hex_rgb(CONTRACT[State.MAJOR])) <= 4


def test_too_small_a_size_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        render_icon(State.OPERATIONAL, 4)


def test_icon_set_returns_the_same_object_each_time() -> None:
    icons = IconSet()
    for state, badge in itertools.product(State, BADGES):
        image = icons.get(state, badge)
        assert image is icons.get(state, badge)
        assert image.size == (64, 64)
    assert icons.get(State.MAJOR) is icons.get(State.MAJOR, "none")
    assert len({id(icons.get(state)) for state in State}) == len(State)
    # A badge hides the state, so every state shares the badge's image.
    assert icons.get(State.OPERATIONAL, "offline") is icons.get(State.MAJOR, "offline")
    assert icons.get(State.MAJOR).tobytes() == render_icon(State.MAJOR, 64).tobytes()


def test_icon_set_sizes_and_templates() -> None:
    icons = IconSet(size=22, template=True)
    image = icons.get(State.PARTIAL, "suspected")
    assert image.size == (22, 22)
    assert {pixel[:3] for pixel in pixels(image)} == {BLACK}


def test_write_app_icons_writes_files_pillow_can_read(tmp_path: Path) -> None:
    written = write_app_icons(tmp_path / "out")
    names = {path.name for path in written}
    expected = {
        "trayapp.png",
        "trayapp.ico",
        "trayapp.icns",
        *(f"trayapp-{size}.png" for size in PNG_SIZES),
        *(f"tray-{state.label}.png" for state in State),
    }
    assert names == expected
    assert all(path.is_file() and path.parent == tmp_path / "out" for path in written)

    with Image.open(tmp_path / "out" / "trayapp.png") as app:
        assert app.size == (256, 256)
        assert app.mode == "RGBA"
    for size in PNG_SIZES:
        with Image.open(tmp_path / "out" / f"trayapp-{size}.png") as png:
            assert png.size == (size, size)
    for state in State:
        with Image.open(tmp_path / "out" / f"tray-{state.label}.png") as png:
            assert png.size == (64, 64)
            assert png.convert("RGBA").tobytes() == render_icon(state, 64).tobytes()
    with Image.open(tmp_path / "out" / "trayapp.ico") as ico:
        assert ico.format == "ICO"
        assert set(ico.info["sizes"]) == {(size, size) for size in ICO_SIZES}
    with Image.open(tmp_path / "out" / "trayapp.icns") as icns:
        assert icns.format == "ICNS"
        assert {size for size, _, scale in icns.info["sizes"] for size in [size * scale]} >= {
            size for size in ICNS_SIZES if size <= 1024
        }
        icns.load()
        assert icns.size == (1024, 1024)


def test_write_app_icons_is_deterministic(tmp_path: Path) -> None:
    first = write_app_icons(tmp_path / "a")
    second = write_app_icons(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def frames(path: Path) -> dict[str, bytes]:
    """Every image in an icon file, as RGBA bytes keyed by its size."""
    with Image.open(path) as image:
        if image.format == "ICO":
            return {
                str(size): image.ico.getimage(size).convert("RGBA").tobytes()  # type: ignore[attr-defined]
                for size in sorted(image.info["sizes"])
            }
        if isinstance(image, IcnsImagePlugin.IcnsImageFile):
            found = {}
            for width, _, scale in sorted(image.info["sizes"]):
                image.size = (width, width)
                image.load(scale=scale)
                found[f"{width}@{scale}"] = image.convert("RGBA").tobytes()
            return found
        return {"": image.convert("RGBA").tobytes()}


def test_assets_are_up_to_date_with_the_drawing_code(tmp_path: Path) -> None:
    fresh = write_app_icons(tmp_path)
    stale = [path.name for path in fresh if frames(path) != frames(ASSETS / path.name)]
    assert not stale, f"regenerate with `python assets/make_icons.py`: {stale}"


def test_runtime_icons_in_the_package_are_copies_of_the_assets() -> None:
    needed = {"trayapp.png", *(f"tray-{state.label}.png" for state in State)}
    present = {path.name for path in RUNTIME.iterdir() if path.is_file()}
    assert needed <= present
    for name in present:
        assert (RUNTIME / name).read_bytes() == (ASSETS / name).read_bytes(), name


def test_only_icons_imports_pil() -> None:
    package = ROOT / "trayapp"
    importers = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "PIL" or name.startswith("PIL.") for name in names):
                importers.append(path.relative_to(package).as_posix())
    assert sorted(set(importers)) == ["shell/icons.py"]
