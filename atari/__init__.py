"""Atari (ALE) experiment scripts: thin adapters over worldmodels/ with a --game option."""
