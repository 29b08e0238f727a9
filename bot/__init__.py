"""Runtime: configuration, storage, channels, alerts and the command line."""
