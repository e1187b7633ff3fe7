"""Demo exports for one seller account: every report and template healthbot reads, about the same orders.

`write_demo_data` writes the Amazon exports of reports.md 2 (All Orders, feedback, returns, FBA returns,
Amazon-fulfilled shipments, unshipped orders, settlement, Account Health JSON) and every template of
reports.md 3, as a seller would download or export them. Defects sit on orders whose dates fall in the
metric windows of metrics.md 2 relative to `as_of`, at rates near Amazon's targets, so that a demo shows
metrics that pass and metrics that breach. The Account Health JSON reports the figures of those very
orders, counted with metrics.md's rules.

Everything is drawn from random streams seeded by `seed` in a fixed sequence and nothing reads the
clock, so the same arguments give byte-identical files. Orders are generated day by day and streamed to
every file at once: a million orders never sit in memory.

The package, in the order a demo is made:

- `profile`: the demo's shares of orders and Amazon's targets; `catalog`, `locales`: what is sold where.
- `clock`: instants and days in the text forms exports use, business days; `codes`: ids, tracking numbers, amounts.
- `quotas`: rates drawn as quotas; `model`: an order and what happened to it.
- `planner` decides each order (with `defects`, `returns`, `messages`, and `buyers` for the files that
  name them); `tally` counts the metrics as the orders stream past.
- `outputs` writes each order to every file: `amazon_files` (headers in `amazon_headers`),
  `template_files` and `settlement`, all opened by `files`.
- `history` generates one part of the history day by day; `parallel` runs the parts in worker
  processes; `generate` joins the parts and writes the policy violations and `account_health`.
"""

from storage.demo.generate import write_demo_data

__all__ = ["write_demo_data"]
