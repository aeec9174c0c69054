"""Pipeline steps (extract, vae_train, series, rnn_train, train, evaluate), each a ``main(cfg)``."""
