"""evalkit.judging"""
