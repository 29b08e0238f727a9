"""Knowledge: the directory of help services, the gazetteer of Vietnam, and search over both.

Nothing here knows about conversations or channels; ``handlers`` builds on it.
"""
