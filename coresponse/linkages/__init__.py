"""Connections to treatment, family and supports; the provider directory."""
