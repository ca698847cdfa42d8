"""Superset, the original system's BI tool, driven over its REST API (never imported).

``client`` (httpx only) and ``guest_token`` are light enough for the API to use;
``bootstrap`` creates hubbub's database, datasets, charts and dashboard in Superset.
"""
