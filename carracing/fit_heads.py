"""Give M (trained on z alone) a reward and a done head, fitted on its frozen h; its z prediction unchanged.

    python fit_heads.py                        # tf_rnn/rnn.npz + series/ -> tf_rnn/rnn_heads.npz
    python fit_heads.py --rnn tf_rnn/rnn.npz --episodes 500 --held_out held_out/series/series.npz

M runs over the series' episodes (z sampled from V's mu and logvar, as rnn_train.py feeds it); the
reward head is a ridge regression from h (penalty chosen on the last quarter of the episodes), the
done head a logistic regression with the done steps weighted as M's loss weights them. Every other
weight of M is copied bit for bit. --held_out scores the heads on a series M never saw (README.md,
"Reward and done heads"). The method: worldmodels/pipeline/fit_heads.py.
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("fit_heads", __file__, __doc__)
