"""Entities and rules of the 公文 domain (DOMAIN.md)."""
