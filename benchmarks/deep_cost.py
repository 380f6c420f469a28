"""What deep probes cost: requests, tokens and money per day for the defaults (and a few others).

A calculation, not a measurement: trayapp's own request body (`trayapp.core.deep.request_body`)
asks for one output token; the input tokens are the chat template's overhead around the one-word
prompt (8 for OpenAI's chat completions, from a captured `usage`; 10 for Anthropic's messages,
a deliberate over-estimate), and the prices are the providers' list prices per million tokens as
read on 2026-12-04 (docs/providers.md, "Deep probes"). With `--interval` the figures follow
another `deep_interval`; a failing API adds at most 3 confirmation requests per failing spell.

    python benchmarks/deep_cost.py [--interval 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trayapp.catalog import CATALOG
from trayapp.core.deep import deep_target, limit_field, request_body
from trayapp.core.probing import CONFIRM_BURST
from trayapp.settings import ProbeSettings

DAY = 86400.0


@dataclass(frozen=True)
class Model:
    """One model's price per million tokens and the input tokens of a deep probe."""

    provider: str
    model: str
    input_tokens: int
    usd_in: float
    usd_out: float
    default: bool


MODELS = (
    Model("openai", "gpt-6-luna", 8, 0.10, 0.50, True),
    Model("anthropic", "claude-haiku-5-5", 10, 0.10, 0.50, True),
    # Examples for custom providers (third-party price evidence; see docs/providers.md).
    Model("groq", "llama-3.1-8b-instant", 8, 0.05, 0.08, False),
    Model("mistral", "ministral-3b-latest", 8, 0.10, 0.10, False),
    Model("anthropic", "claude-haiku-4-5", 8, 1.00, 5.00, False),
)


def output_limit() -> int:
    """The output limit trayapp's own request bodies carry (checked: it is 1 for every default)."""
    limits = set()
    for spec in CATALOG.values():
        target = deep_target(spec, enabled=True)
        if target is not None:
            body = request_body(target)
            limit = body[limit_field(target)]
            assert isinstance(limit, int)
            limits.add(limit)
    (limit,) = limits
    return limit


def figures(interval: float) -> list[dict[str, object]]:
    """Per model: requests, tokens and dollars per day, 30 days and a year at `interval`."""
    per_day = DAY / interval
    out = output_limit()
    rows = []
    for model in MODELS:
        usd = (model.input_tokens * model.usd_in + out * model.usd_out) / 1e6
        rows.append(
            {
                "provider": model.provider,
                "model": model.model,
                "default": model.default,
                "requests_per_day": round(per_day),
                "input_tokens_per_day": round(per_day * model.input_tokens),
                "output_tokens_per_day": round(per_day * out),
                "usd_per_request": usd,
                "usd_per_day": usd * per_day,
                "usd_per_30_days": usd * per_day * 30,
                "usd_per_year": usd * per_day * 365,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table (or JSON) of the cost of deep probes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=ProbeSettings().deep_interval)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = figures(args.interval)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"Deep probes every {args.interval:g} s: {round(DAY / args.interval)} requests a day per provider")
    print(f"(a failing spell adds at most {CONFIRM_BURST} confirmation requests)\n")
    print(
        "| provider | model | default | requests/day | tokens in/day | tokens out/day"
        " | USD/day | USD/30 days |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['provider']} | {row['model']} | {'yes' if row['default'] else 'no'} "
            f"| {row['requests_per_day']} | {row['input_tokens_per_day']} | {row['output_tokens_per_day']} "
            f"| {row['usd_per_day']:.5f} | {row['usd_per_30_days']:.4f} |"
        )
    both = sum(float(str(row["usd_per_day"])) for row in rows if row["default"])
    print(
        f"\nBoth defaults together: ${both:.5f} a day, ${both * 30:.3f} in 30 days, ${both * 365:.2f} a year."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
