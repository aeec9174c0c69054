"""A faster gymnasium ``CarRacing`` whose frames, rewards and terminations are bit-identical.

Where stock ``CarRacing`` spends its step (profiled under load on the 2-core development
machine, 300 steps, carracing/EXPERIMENTS.md): about two thirds in Python — ``_render_road``
transforms all ~400 grass patches and ~300-600 road / kerb polygons vertex by vertex with
``pygame.math.Vector2.rotate_rad`` and tests each against a loose on-screen box — and the rest
in C: filling the visible polygons at 1000x800 (``WINDOW_W x WINDOW_H``), flipping that surface,
building a ``pygame.font.Font`` every frame, and smooth-scaling to 96x96.

``FastCarRacing`` subclasses it and changes only how the same picture is produced:

* the polygon coordinates of the grass (fixed) and of the track (fixed per episode) are kept as
  one float64 array, and each frame transforms all of them with numpy using the very rotation
  pygame uses (``rotation(angle)`` takes cos / sin from ``Vector2.rotate_rad`` itself, and the
  products and sums are the same IEEE operations in the same order, so every vertex is the same
  double as stock's; ``vectorised_transform_is_exact`` checks this at first use and the class
  falls back to stock's road renderer if it ever fails, e.g. on a platform where pygame's C code
  was compiled with fused multiply-adds);
* a polygon is drawn iff stock would draw it (its on-screen-box test, evaluated on the same
  doubles) AND its bounding box comes within ``DRAW_MARGIN`` pixels of the surface: a polygon
  that is farther away than that changes no pixel (pygame clips every fill span and every
  anti-aliased line pixel to the surface), so skipping it leaves the picture unchanged. The
  kept polygons are drawn with the same ``gfxdraw`` calls, in the same order, with the same
  vertex values and colours;
* in ``state_pixels`` mode (the observation, rendered on every step): the 1000x800 surfaces are
  allocated once; when the background square covers the whole view (``covers_surface``, all
  but the opening zoom and the playfield's edge) black + that polygon become one ``fill`` with
  its colour; the vertical flip is the same row reversal, copied into a kept surface; the font
  is created once and the score text surface cached per string.

Everything else — physics, track generation, rewards, terminations, the car, the indicators and
the smooth-scale — is stock code, and the other render modes (window, 600x400 video frames) are
stock's ``_render`` over the road drawing above. tests/envs/test_carracing_fast.py compares
observations, rewards, terminations and video frames with stock's on fixed seeds and action
sequences.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pygame
from gymnasium.envs.box2d import car_racing as stock
from gymnasium.envs.box2d.car_racing import CarRacing
from pygame import gfxdraw

COVER_MARGIN = 4.0
"""Pixels by which the background square must overlap every side of the surface before it is
replaced by a plain fill: then every scanline span of ``filled_polygon`` covers the whole row
(its edge intersections are exact to a pixel [SDL_gfx filledPolygon]) and its anti-aliased
outline lies off the surface."""

DRAW_MARGIN = 4.0
"""Pixels around the surface within which a polygon's bounding box must come to be drawn. Any
polygon pixel lies within 1 pixel of the polygon's (integer-truncated) vertices' box: fill spans
lie inside it and the anti-aliased outline touches at most one pixel beside it [SDL_gfx aaline];
4 leaves room for rounding of the float vertices."""

GRASS_STEP = 2
"""Grass patches lie on every second cell of a 40 x 40 grid [gymnasium car_racing.py:
``for x in range(-20, 20, 2)``, same for y]."""


def grass_polygons() -> np.ndarray:
    """The 400 grass patches (400, 4, 2) in stock's order and vertex order."""
    g = stock.GRASS_DIM
    cells = [(x, y) for x in range(-20, 20, GRASS_STEP) for y in range(-20, 20, GRASS_STEP)]
    return np.array([[(g * x + g, g * y + 0), (g * x + 0, g * y + 0), (g * x + 0, g * y + g), (g * x + g, g * y + g)]
                     for x, y in cells], np.float64)


def field_polygon() -> list[tuple[float, float]]:
    """The background square, +-PLAYFIELD, in stock's vertex order [car_racing.py _render_road]."""
    b = stock.PLAYFIELD
    return [(b, b), (b, -b), (-b, -b), (-b, b)]


def covers_surface(angle: float, zoom: float, translation: tuple[float, float], width: int, height: int,
                   margin: float = COVER_MARGIN) -> bool:
    """Does the transformed background square contain the surface grown by ``margin`` pixels?"""
    xs, ys = transform(np.array(field_polygon(), np.float64), angle, zoom, translation)
    corners = np.array([(-margin, -margin), (width + margin, -margin), (width + margin, height + margin),
                        (-margin, height + margin)])
    # a convex quad contains a point iff the point is on the same side of all four edges
    ex, ey = np.roll(xs, -1) - xs, np.roll(ys, -1) - ys
    cross = ex[None, :] * (corners[:, 1:2] - ys[None, :]) - ey[None, :] * (corners[:, 0:1] - xs[None, :])
    return bool((cross > 0).all() or (cross < 0).all())


def rotation(angle: float) -> tuple[float, float]:
    """(cos, sin) of ``angle`` exactly as ``pygame.math.Vector2.rotate_rad`` computes them."""
    c, s = pygame.math.Vector2(1.0, 0.0).rotate_rad(angle)
    return float(c), float(s)


def transform(points: np.ndarray, angle: float, zoom: float, translation: tuple[float, float]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stock's per-vertex ``Vector2(p).rotate_rad(angle) * zoom + translation``, vectorised.

    pygame rotates by ``(cos x - sin y, sin x + cos y)``; the same two products and one sum /
    difference per coordinate, in that order, give the same doubles.
    """
    c, s = rotation(angle)
    x, y = points[..., 0], points[..., 1]
    rx = c * x - s * y
    ry = s * x + c * y
    return rx * zoom + translation[0], ry * zoom + translation[1]


@functools.cache
def vectorised_transform_is_exact() -> bool:
    """Does ``transform`` reproduce pygame's vertex doubles bit for bit here? (checked once)."""
    rng = np.random.default_rng(0)
    points = rng.uniform(-400.0, 400.0, (64, 2))
    for angle in (*rng.uniform(-50.0, 50.0, 30), 0.0, np.pi / 2, -np.pi, 3 * np.pi / 2, 1e-9, 7.0):
        zoom, tx, ty = float(rng.uniform(0.5, 20.0)), float(rng.uniform(-5e3, 5e3)), float(rng.uniform(-5e3, 5e3))
        xs, ys = transform(points, float(angle), zoom, (tx, ty))
        for (px, py), x, y in zip(points, xs, ys):
            v = pygame.math.Vector2((float(px), float(py))).rotate_rad(float(angle))
            if (v[0] * zoom + tx, v[1] * zoom + ty) != (float(x), float(y)):
                return False
    return True


class FastCarRacing(CarRacing):
    """``gymnasium.envs.box2d.car_racing.CarRacing`` with a faster, pixel-identical renderer."""

    # gymnasium's CarRacing sets these to None in __init__ without an annotation, so mypy types them as None
    surf: pygame.Surface | None  # type: ignore[assignment]
    clock: pygame.time.Clock | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._grass = grass_polygons()
        self._road_for: list | None = None  # the road_poly list the cached arrays were built from
        self._road_xy = np.zeros((0, 4, 2))
        self._canvas: pygame.Surface | None = None
        self._flipped: pygame.Surface | None = None
        self._background_filled = False  # True while _render has painted the background itself
        self._font: pygame.font.Font | None = None
        self._texts: dict[str, pygame.Surface] = {}
        self._exact = vectorised_transform_is_exact()

    # ------------------------------------------------------------------ road, grass, background

    def _road_arrays(self) -> np.ndarray:
        """Vertices (N, 4, 2) of ``self.road_poly``; rebuilt when reset() made a new track."""
        if self._road_for is not self.road_poly or len(self._road_xy) != len(self.road_poly):
            self._road_xy = np.array([[(p[0], p[1]) for p in poly] for poly, _ in self.road_poly],
                                     np.float64).reshape(-1, 4, 2)
            self._road_for = self.road_poly
        return self._road_xy

    def _render_road(self, zoom, translation, angle):
        if not self._exact:  # pragma: no cover - only where pygame's rotation is not reproducible
            return super()._render_road(zoom, translation, angle)
        if not self._background_filled:
            self._draw_colored_polygon(self.surf, field_polygon(), self.bg_color, zoom, translation, angle, clip=False)
        grass_color = self.grass_color
        for _, poly in self._visible(self._grass, zoom, translation, angle):
            gfxdraw.aapolygon(self.surf, poly, grass_color)
            gfxdraw.filled_polygon(self.surf, poly, grass_color)
        road_poly = self.road_poly
        for i, poly in self._visible(self._road_arrays(), zoom, translation, angle):
            color = [int(c) for c in road_poly[i][1]]  # tile colours change on contact: read each frame
            gfxdraw.aapolygon(self.surf, poly, color)
            gfxdraw.filled_polygon(self.surf, poly, color)

    def _visible(self, polys: np.ndarray, zoom: float, translation, angle: float):
        """(index, vertex list) of the polygons to draw, in order, with stock's vertex doubles."""
        if len(polys) == 0:
            return
        xs, ys = transform(polys, angle, zoom, (float(translation[0]), float(translation[1])))
        w, h, m = stock.WINDOW_W, stock.WINDOW_H, stock.MAX_SHAPE_DIM
        # stock's test: some vertex inside the window grown by MAX_SHAPE_DIM [car_racing.py]
        stock_draws = ((-m <= xs) & (xs <= w + m) & (-m <= ys) & (ys <= h + m)).any(axis=1)
        # ours: the bounding box reaches the surface (else the polygon changes no pixel)
        touches = ((xs.max(axis=1) >= -DRAW_MARGIN) & (xs.min(axis=1) <= w + DRAW_MARGIN)
                   & (ys.max(axis=1) >= -DRAW_MARGIN) & (ys.min(axis=1) <= h + DRAW_MARGIN))
        for i in np.flatnonzero(stock_draws & touches):
            yield int(i), list(zip(xs[i].tolist(), ys[i].tolist()))

    # ------------------------------------------------------------------ the observation frame

    def _render(self, mode: str):
        if mode != "state_pixels" or "t" not in self.__dict__:
            return super()._render(mode)  # windows, videos: stock code (with the fast road above)
        pygame.font.init()
        if self.clock is None:
            self.clock = pygame.time.Clock()
        if self._canvas is None or self._flipped is None:  # made as stock makes its fresh surface each frame
            self._canvas = pygame.Surface((stock.WINDOW_W, stock.WINDOW_H))
            self._flipped = pygame.Surface((stock.WINDOW_W, stock.WINDOW_H))
        self.surf = self._canvas
        assert self.car is not None
        angle = -self.car.hull.angle
        # the camera of stock's _render: zoom animated over the first second [car_racing.py]
        zoom = 0.1 * stock.SCALE * max(1 - self.t, 0) + stock.ZOOM * stock.SCALE * min(self.t, 1)
        scroll_x = -(self.car.hull.position[0]) * zoom
        scroll_y = -(self.car.hull.position[1]) * zoom
        rotated = pygame.math.Vector2((scroll_x, scroll_y)).rotate_rad(angle)
        trans = (stock.WINDOW_W / 2 + rotated[0], stock.WINDOW_H / 4 + rotated[1])
        bg = [float(c) for c in self.bg_color]
        # The background square usually covers the whole surface: one fill paints what stock's
        # fresh (black) surface plus that polygon give. Otherwise (zoom animation, field edge):
        # black, then the polygon, as stock.
        self._background_filled = all(c.is_integer() for c in bg) and covers_surface(
            angle, zoom, (float(trans[0]), float(trans[1])), stock.WINDOW_W, stock.WINDOW_H)
        self.surf.fill(tuple(int(c) for c in bg) if self._background_filled else (0, 0, 0))
        try:
            self._render_road(zoom, trans, angle)
        finally:
            self._background_filled = False
        self.car.draw(self.surf, zoom, trans, angle, False)  # no particles in state_pixels [stock]
        # stock: pygame.transform.flip(surf, False, True); the same rows, into a kept surface
        src, dst = pygame.surfarray.pixels2d(self._canvas), pygame.surfarray.pixels2d(self._flipped)
        dst[...] = src[:, ::-1]
        del src, dst  # release the surface locks
        self.surf = self._flipped
        self._render_indicators(stock.WINDOW_W, stock.WINDOW_H)
        text = self._score_text(f"{self.reward:04.0f}")
        text_rect = text.get_rect()
        text_rect.center = (60, stock.WINDOW_H - stock.WINDOW_H * 2.5 / 40.0)  # [car_racing.py]
        self.surf.blit(text, text_rect)
        return self._create_image_array(self.surf, (stock.STATE_W, stock.STATE_H))

    def _score_text(self, text: str) -> pygame.Surface:
        surface = self._texts.get(text)
        if surface is None:
            if self._font is None:
                self._font = pygame.font.Font(pygame.font.get_default_font(), 42)  # [car_racing.py]
            if len(self._texts) > 4096:  # scores are bounded, but never let the cache grow without end
                self._texts.clear()
            surface = self._texts[text] = self._font.render(text, True, (255, 255, 255), (0, 0, 0))
        return surface
