"""Encode binpacking/record/ with V -> binpacking/series/series.npz and tf_initial_z/initial_z.json.

    python series.py

Capacity-100 records (actions of width 100) need a capacity-100 V (z = 64); one of the other
capacity is one error line (README.md, "Capacity 100").
"""

if __name__ == "__main__":
    from worldmodels.pipeline.shell import run_step

    run_step("series", __file__, __doc__)
