"""Insights for the people who run the hotline: KPIs in Redis time buckets, CSAT, ``/v1/stats``."""
