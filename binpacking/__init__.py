"""Online bin packing experiment scripts (thin adapters over worldmodels/)."""
