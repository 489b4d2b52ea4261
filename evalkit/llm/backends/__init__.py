"""Provider backends: translate LLMRequest to a wire call and the answer back to ModelResponse."""
