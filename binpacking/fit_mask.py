"""Fit M's mask head (which actions are valid on a frame) on real episodes -> tf_rnn/mask.npz.

    python fit_mask.py                      # tf_rnn/rnn.npz + series/series.npz -> tf_rnn/mask.npz
    python fit_mask.py --held_out held/series/series.npz   # also scored on episodes M never saw

The dream needs it: C plays the best action the head allows on the dreamed frame, as it plays the
best valid one in the real game. One logistic regression per action on [z, h], M frozen; the last
10 % of the series' episodes are kept out of the fit and scored (README.md, "C in the dream").
The method: worldmodels/pipeline/fit_mask.py and worldmodels/mask_head.py. One column per action:
9 at capacity 9, 100 at capacity 100 (the series' action width decides).
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("fit_mask", __file__, __doc__)
