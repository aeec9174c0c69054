"""Train M (MDN-RNN, LSTM 512, done head, state reset) on doomrnn/series/ -> tf_rnn/rnn.npz.

    python rnn_train.py                  # 20 epochs [paper A.2], resumes if interrupted
    python rnn_train.py --epochs 1 --steps_per_epoch 2 --batch_size 4 --seq_len 50   # quick
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("rnn_train", __file__, __doc__)
