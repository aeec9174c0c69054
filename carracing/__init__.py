"""CarRacing experiment scripts (thin adapters over worldmodels/)."""
