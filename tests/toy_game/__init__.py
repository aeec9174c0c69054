"""DotChase, the example game of docs/adding_a_game.md, run end to end by tests/test_adding_a_game.py."""
