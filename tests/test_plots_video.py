"""worldmodels.plots (ES progress PNGs) and worldmodels.video (mp4 / gif)."""

from __future__ import annotations

import json
from pathlib import Path

import imageio.v2 as imageio
import imageio.v3 as iio
import numpy as np
import pytest

from worldmodels.fileio import WorldModelsError
from worldmodels.plots import HIST_COLUMNS, load_history, plot_history
from worldmodels.video import side_by_side, upscale, write_video

REPO = Path(__file__).resolve().parents[1]
ORIGINAL = REPO / ".." / "shared" / "reference" / "original"
ORIGINAL_HISTS = [ORIGINAL / "carracing" / "carracing.cma.16.64.hist.json",
                  ORIGINAL / "doomrnn" / "doomrnn.cma.16.64.hist.json"]
needs_reference = pytest.mark.skipif(not all(p.is_file() for p in ORIGINAL_HISTS),
                                     reason=f"reference logs not found under {ORIGINAL}")


def _png_size(path: Path) -> tuple[int, int]:
    image = iio.imread(path)
    return image.shape[1], image.shape[0]


@needs_reference
def test_load_history_reads_the_original_logs():
    h = load_history(ORIGINAL_HISTS[0])
    assert set(HIST_COLUMNS) <= set(h) and "best" in h
    assert len(h["generation"]) == 1800 and h["generation"][0] == 1 and h["generation"][-1] == 1800
    assert np.all(h["min"] <= h["avg"]) and np.all(h["avg"] <= h["max"])
    assert np.all(np.diff(h["best"]) >= 0) and h["best"][-1] == h["max"].max()


@needs_reference
def test_plot_the_original_logs(tmp_path):
    out = plot_history(ORIGINAL_HISTS, tmp_path / "progress.png", title="original runs")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _png_size(out) == (1300, 500)
    assert [p.name for p in tmp_path.iterdir()] == ["progress.png"]  # no temp file left


def test_plot_our_logs_with_evaluations(tmp_path):
    rows = [[g, 10.0 * g, -5.0 + g, -9.0 + g, -1.0 + g, 1.0, 0.1, 80.0, 100] for g in range(1, 21)]
    (tmp_path / "toy.cma.4.8.hist.json").write_text(json.dumps(rows))
    (tmp_path / "toy.cma.4.8.log.json").write_text(json.dumps([[10, 4.0, 4.0], [20, 14.0, 14.0]]))
    out = plot_history(tmp_path / "toy.cma.4.8.hist.json", tmp_path / "sub" / "p.png")
    assert out.is_file() and out.stat().st_size > 1000


@pytest.mark.parametrize(
    "content, match",
    [("[[1, 2, 3", "not valid JSON"), ('{"a": 1}', "not a list of rows"), ("[[1, 2, 3]]", "row 0"),
     ('[[1, 2, 3, 4, 5, 6, 7, 8, "x"]]', "row 0")],
)
def test_load_history_rejects_bad_files(tmp_path, content, match):
    path = tmp_path / "bad.hist.json"
    path.write_text(content)
    with pytest.raises(WorldModelsError, match=match):
        load_history(path)


def test_load_history_missing_file(tmp_path):
    with pytest.raises(WorldModelsError, match="not found"):
        load_history(tmp_path / "nope.hist.json")


def _frames(n: int, h: int = 64, w: int = 64) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_write_mp4_upscaled_from_an_iterator(tmp_path):
    out = write_video(iter(_frames(6)), tmp_path / "ep.mp4", fps=10, scale=4)
    reader = imageio.get_reader(out)
    frames = [frame for frame in reader.iter_data()]
    assert len(frames) == 6 and frames[0].shape == (256, 256, 3)
    assert reader.get_meta_data()["fps"] == 10


def test_write_gif_side_by_side(tmp_path):
    real, decoded = _frames(5), _frames(5)[::-1]
    out = write_video([side_by_side(a, b) for a, b in zip(real, decoded, strict=True)], tmp_path / "vae.gif", fps=20)
    frames = iio.imread(out, index=None)
    assert frames.shape == (5, 64, 130, 3)


def test_gray_frames_and_helpers():
    gray = np.zeros((4, 6), dtype=np.uint8)
    assert upscale(gray[:, :, None], 3).shape == (12, 18, 1)
    pair = side_by_side(np.zeros((2, 4, 6, 3), np.uint8), np.ones((2, 4, 6, 3), np.uint8), gap=1)
    assert pair.shape == (2, 4, 13, 3) and pair[0, 0, 6, 0] == 255
    with pytest.raises(ValueError, match="equal frames"):
        side_by_side(np.zeros((4, 6, 3), np.uint8), np.zeros((4, 5, 3), np.uint8))


def test_write_video_gray_gif(tmp_path):
    frames = [np.full((8, 8), v, dtype=np.uint8) for v in (0, 128, 255)]
    out = write_video(frames, tmp_path / "g.gif", fps=5)
    assert iio.imread(out, index=None).shape[:3] == (3, 8, 8)


@pytest.mark.parametrize(
    "frames, name, match",
    [([], "e.mp4", "no frames"), (_frames(2), "e.avi", "must end in"),
     ([np.zeros((8, 8, 3), np.float32)], "e.gif", "uint8"), (_frames(1) + _frames(1, 32, 32), "e.gif", "frame 1"),
     (_frames(2, 63, 64), "e.mp4", "even frame size")],
)
def test_write_video_rejects_bad_input_without_leaving_files(tmp_path, frames, name, match):
    with pytest.raises(WorldModelsError, match=match):
        write_video(frames, tmp_path / name)
    assert list(tmp_path.iterdir()) == []
