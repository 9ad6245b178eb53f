"""Stateful fake CRM servers that connector tests run against (fakes, not mocks)."""
