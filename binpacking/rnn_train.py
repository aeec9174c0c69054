"""Train M (MDN-RNN, LSTM 256, reward and done heads, state reset) on binpacking/series/ -> tf_rnn/rnn.npz.

    python rnn_train.py                  # 20 epochs [paper A.2], resumes if interrupted
    python rnn_train.py --epochs 1 --steps_per_epoch 2 --batch_size 4 --seq_len 20   # quick

M's input is z (32) + the one-hot action (9) + the restart flag (capacity 100: 64 + 100 + 1, as the
series' action width says; README.md, "Capacity 100"); its output is the done logit,
the mixture of the next z, and the reward of the action (-(C - s) for a new bag, +s otherwise).
Episodes are laid end to end in parallel streams (as Doom) and cut into 100-step windows.
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("rnn_train", __file__, __doc__)
