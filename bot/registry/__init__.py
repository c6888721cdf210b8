"""Readers of register records (ClinicalTrials.gov API v2, CTIS) and the eligibility-criteria parser."""
