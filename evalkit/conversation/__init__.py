"""evalkit.conversation"""
