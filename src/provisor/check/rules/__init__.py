"""The rule catalogue, one module per rule, grouped by family (``rules/<family>/<name>.py``).

Importing a module registers its rule (see :mod:`provisor.check.registry`).
"""
