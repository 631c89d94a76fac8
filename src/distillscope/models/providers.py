"""Known OpenAI-compatible providers: where they live, which variable holds their key, what they cost.

Prices are list prices in US dollars per million tokens as published in 2025. They drift; a model's
`price:` in YAML overrides them, and a model with no known price reports its cost as unknown rather
than as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from distillscope.models.config import Price


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    base_url: str
    key_env: str | None
    key_required: bool = True
    supports_n: bool = False
    max_connections: int = 16
    local: bool = False
    prices: dict[str, Price] = field(default_factory=dict)


def _p(inp: float, out: float) -> Price:
    return Price(input_per_mtok=inp, output_per_mtok=out)


_HOSTED = [
    Provider(
        "openai",
        "OpenAI",
        "https://api.openai.com/v1",
        "OPENAI_API_KEY",
        supports_n=True,
        max_connections=32,
        prices={
            "gpt-4o": _p(2.5, 10.0),
            "gpt-4o-mini": _p(0.15, 0.6),
            "gpt-4.1": _p(2.0, 8.0),
            "gpt-4.1-mini": _p(0.4, 1.6),
            "gpt-4.1-nano": _p(0.1, 0.4),
        },
    ),
    Provider(
        "deepseek",
        "DeepSeek",
        "https://api.deepseek.com/v1",
        "DEEPSEEK_API_KEY",
        prices={"deepseek-chat": _p(0.27, 1.1), "deepseek-reasoner": _p(0.55, 2.19)},
    ),
    Provider(
        "qwen",
        "Qwen (DashScope compatible mode)",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "DASHSCOPE_API_KEY",
        supports_n=True,
    ),
    Provider("zhipu", "Zhipu GLM", "https://open.bigmodel.cn/api/paas/v4", "ZHIPUAI_API_KEY"),
    Provider("moonshot", "Moonshot (Kimi)", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY", supports_n=True),
    Provider(
        "mistral",
        "Mistral",
        "https://api.mistral.ai/v1",
        "MISTRAL_API_KEY",
        supports_n=True,
        prices={"mistral-large-latest": _p(2.0, 6.0), "mistral-small-latest": _p(0.1, 0.3)},
    ),
    Provider("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    Provider("together", "Together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", supports_n=True),
    Provider("groq", "Groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    Provider(
        "gemini",
        "Google Gemini (OpenAI-compatible)",
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        "GEMINI_API_KEY",
        supports_n=True,
        prices={"gemini-2.0-flash": _p(0.1, 0.4)},
    ),
    Provider(
        "anthropic",
        "Anthropic (OpenAI SDK compatibility)",
        "https://api.anthropic.com/v1/",
        "ANTHROPIC_API_KEY",
        prices={"claude-3-5-haiku-latest": _p(0.8, 4.0), "claude-sonnet-4-0": _p(3.0, 15.0)},
    ),
]

_SELF_HOSTED = [
    Provider("vllm", "vLLM", "http://127.0.0.1:8000/v1", "VLLM_API_KEY", False, True, 64, True),
    Provider("llamacpp", "llama.cpp server", "http://127.0.0.1:8080/v1", "LLAMACPP_API_KEY", False, False, 8, True),
    Provider("ollama", "Ollama", "http://127.0.0.1:11434/v1", None, False, False, 8, True),
    Provider("lmstudio", "LM Studio", "http://127.0.0.1:1234/v1", None, False, False, 8, True),
    Provider("tfserve", "transformers serve", "http://127.0.0.1:8000/v1", None, False, False, 8, True),
]

# Any other OpenAI-compatible URL, given as http(s)://HOST/v1#MODEL.
GENERIC_URL = Provider("url", "OpenAI-compatible URL", "", "DISTILLSCOPE_API_KEY", False, False, 8, True)

PROVIDERS: dict[str, Provider] = {p.name: p for p in [*_HOSTED, *_SELF_HOSTED]}
ALIASES: dict[str, str] = {"glm": "zhipu", "kimi": "moonshot", "dashscope": "qwen", "google": "gemini"}


def find_provider(name: str) -> Provider | None:
    key = name.lower()
    return PROVIDERS.get(ALIASES.get(key, key))
