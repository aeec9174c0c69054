"""Encode binpacking/record/ with V -> binpacking/series/series.npz and tf_initial_z/initial_z.json.

    python series.py
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("series", __file__, __doc__)
