"""An OpenAI-compatible provider alias as a third-party package ships it: this one module, plus

    [project.entry-points."evalkit.providers"]
    together = "evalkit_together"

in the package's pyproject.toml. Then `together:<model>` works wherever a model name does (agent tiers,
simulator, judges), offline runs and recordings included: it speaks the OpenAI wire, so it borrows
the `openai` backend and the fake server's OpenAI adapter, with its own default URL and key variable.
"""

from evalkit.llm.providers import add_provider

add_provider(
    "together",
    doc="Together AI, OpenAI-compatible chat completions",
    wire="openai",
    default_url="https://api.together.xyz/v1",
    key_env="TOGETHER_API_KEY",
    url_env="TOGETHER_BASE_URL",
    origin=__name__,
)
