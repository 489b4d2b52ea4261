"""evalkit.llm"""
