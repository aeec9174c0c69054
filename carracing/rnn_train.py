"""Train M (MDN-RNN, LSTM 256, one sequence per episode) on carracing/series/ -> tf_rnn/rnn.npz.

    python rnn_train.py                  # 4000 steps of 100 x 999 [orig], resumes if interrupted
    python rnn_train.py --epochs 1 --steps_per_epoch 2 --batch_size 4 --seq_len 50   # quick

The 4000 steps are counted as 40 epochs of 100 batches (config.py), whatever the data size.
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("rnn_train", __file__, __doc__)
