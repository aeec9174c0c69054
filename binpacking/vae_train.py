"""Train V (the VAE, z = 32) on the pictures in binpacking/record/ -> binpacking/tf_vae/vae.npz.

    python vae_train.py                       # budget from config.py, resumes if interrupted
    python vae_train.py --epochs 1 --max_frames 2000   # a quick run

The records decide the size: episodes of capacity 100 (actions of width 100) train a V with z = 64
(config.SIZES; README.md, "Capacity 100").
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("vae_train", __file__, __doc__)
