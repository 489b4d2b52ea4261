"""evalkit.testing"""
