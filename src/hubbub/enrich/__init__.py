"""Enrichment: user lookup, location → country, sentiment, keywords and teams."""
