"""Check M on recorded episodes: its mean -log p(z_{t+1}) per z dimension, teacher-forced.

    python rnn_check.py                        # the last 60 episodes of series/, tf_rnn/rnn.npz
    python rnn_check.py --rnn trained/rnn.npz --series held_out/series/series.npz --episodes 100

For a held-out figure, extract and encode episodes M was not trained on in a second workdir:
    CARRACING_WORKDIR=held_out python extract.py --seed 99 --worker 99 --num_episodes 100
    CARRACING_WORKDIR=held_out python series.py --vae tf_vae/vae.npz
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("rnn_check", __file__, __doc__)
