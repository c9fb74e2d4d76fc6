"""A run's plan: what it asks (its definition, ``definition.py``) and every item it asks with the seeded
option order of each (``items.py``, drawn by ``seeded.py``). The store keeps plans; evaluate/ asks them."""
