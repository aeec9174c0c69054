"""Check M on recorded episodes before dream training: does its done head fire where the game ends?

    python rnn_check.py                  # the last 60 episodes of series/, tf_rnn/rnn.npz
    python rnn_check.py --rnn trained/rnn.npz --episodes 200
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("rnn_check", __file__, __doc__)
