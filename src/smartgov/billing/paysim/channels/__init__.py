"""One module per provider the simulator plays; each implements ``base.SimChannel``."""
