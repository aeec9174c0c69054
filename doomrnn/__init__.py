"""DoomTakeCover experiment scripts (thin adapters over worldmodels/)."""
