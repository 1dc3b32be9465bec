"""Claims about repurchase: P3 (community partners), P4 (points, private pools), P5 (+28%)."""

from __future__ import annotations

import pandas as pd

from experiments.claims import figures
from experiments.claims.base import (
    TOLERANCE,
    Claim,
    Finding,
    Setup,
    check,
    column,
    pct,
    ratio_of_means,
    three,
)
from experiments.replicates import Results, interval
from experiments.verdicts import all_of, judge_band, over_settings
from sim.summary import SHARE

YEAR = ("days=365", "seeding.end_day=90")  # a 90-day campaign followed for a year
HORIZONS = {"90": (), "365": YEAR}
HORIZON_WORDS = {"90": "within the 90-day campaign", "365": "followed for a year"}


def _specs(setup: Setup, prefix: str, options: dict[str, tuple[str, ...]]) -> list:
    return [
        setup.spec(f"{prefix}-{name}-{h}", "seeding=ads", *overrides, *extra)
        for name, overrides in options.items()
        for h, extra in HORIZONS.items()
    ]


def _repurchase_bars(results, setup, path, title, entries, claimed, label) -> object:
    """Bars of repurchase rates (entries: (spec name, measure, label[, its claimed rate]))."""
    own = [100 * e[3] for e in entries] if all(len(e) > 3 for e in entries) else None
    return figures.bars(
        setup.out / path,
        title,
        [e[2] for e in entries],
        [tuple(100 * v for v in interval(column(results, e[0], e[1]), SHARE)) for e in entries],
        "% of customers who bought again",
        reference=None if claimed is None else 100 * claimed,
        reference_label=label,
        claims=own,
    )


# ----- P3: community partners (commission + membership) reach 67% repurchase ---------------------
P3_RATE = 0.67
P3_OPTIONS = {
    "none": ("referral=none", "retention=none"),
    "partner": ("referral=commission", "retention=membership"),
    "partner-all": (
        "referral=commission",
        "retention=membership",
        "retention.join_share=1",
        "retention.hazard_multiplier=4",
    ),
}
P3_WORDS = {
    "none": "no programme",
    "partner": "commission + membership (30% join, x2)",
    "partner-all": "commission + membership (all join, x4)",
}


def p3_specs(setup: Setup) -> list:
    """No programme, the partner scheme, and a much stronger one; 90 days and a year."""
    return _specs(setup, "p3", P3_OPTIONS)


def p3_analyse(results: Results, setup: Setup) -> Finding:
    """Verdict on reaching 67% repurchase, by programme strength and horizon."""
    rows, labels, outcomes, entries = [], [], [], []
    for name in P3_OPTIONS:
        for h in HORIZONS:
            spec = f"p3-{name}-{h}"
            rate = column(results, spec, "repurchase_rate")
            rows.append(
                {
                    "programme": P3_WORDS[name],
                    "horizon": HORIZON_WORDS[h],
                    "repurchase rate": pct(rate),
                    "30-day repurchase": pct(column(results, spec, "repurchase_30d")),
                    "retention + commission spend (yuan)": three(
                        interval(
                            column(results, spec, "spend_retention")
                            + column(results, spec, "spend_referral_reward")
                        ),
                        ",.0f",
                    ),
                }
            )
            entries.append((spec, "repurchase_rate", f"{P3_WORDS[name]}, {h} days"))
            if name != "none":
                labels.append(f"{P3_WORDS[name]} {HORIZON_WORDS[h]}")
                outcomes.append(check(rate, P3_RATE * (1 - TOLERANCE)))
    verdict = over_settings(labels, outcomes)
    figure = _repurchase_bars(
        results,
        setup,
        "p3_partners.png",
        "P3: repurchase with a community-partner scheme",
        entries,
        P3_RATE,
        "claimed 67%",
    )
    value = (
        f"Commission + membership lifts repurchase from {rows[0]['repurchase rate']} to "
        f"{rows[2]['repurchase rate']} within 90 days and to {rows[3]['repurchase rate']} "
        f"over a year; with every customer a member re-buying four times as often, "
        f"{rows[5]['repurchase rate']} over a year."
    )
    return Finding(
        value,
        verdict,
        "Treat 67% repurchase as a year-long goal for a programme that enrols nearly every "
        "buyer, not as what a commission scheme delivers in a quarter.",
        pd.DataFrame(rows),
        [figure],
        "Repurchase rate is the share of the campaign's customers with two or more orders by the "
        "end; the source does not say over what period its 67% was measured.",
    )


P3 = Claim(
    "P3",
    "A 'community partner' system (a commission on friends' purchases plus membership "
    "benefits) lifted repurchase to 67%.",
    "Ads campaign with a two-level commission (10% of each referred friend's orders for 30 "
    "days, 3% one level up) plus membership (members re-buy twice as often, churn less, 5% "
    "off repeat orders; 30% of buyers join), against no programme, and a much stronger "
    "membership (everyone joins, four times as often); within 90 days and over a year.",
    p3_specs,
    p3_analyse,
)

# ----- P4: points exchange 56%, private-domain pool 43% ------------------------------------------
P4_PARTS = {  # scheme: (measure, claimed rate, words)
    "points": ("repurchase_rate", 0.56, "points (everyone)"),
    "membership": ("repurchase_members", 0.56, "membership (members)"),
    "community": ("repurchase_members", 0.43, "private community (members)"),
}


def p4_specs(setup: Setup) -> list:
    """Points, membership and community programmes; 90 days and a year."""
    return _specs(setup, "p4", {s: ("referral=none", f"retention={s}") for s in P4_PARTS})


def p4_analyse(results: Results, setup: Setup) -> Finding:
    """Verdict on 56% (points/membership) and 43% (community) repurchase."""
    rows, entries = [], []
    labels: dict[float, list[str]] = {}  # each claimed figure is a part of the claim: both must
    outcomes: dict[float, list[str]] = {}  # hold (56% by points or membership, 43% by community)
    for scheme, (measure, claimed, words) in P4_PARTS.items():
        for h in HORIZONS:
            spec = f"p4-{scheme}-{h}"
            rate = column(results, spec, measure)
            rows.append(
                {
                    "programme": words,
                    "horizon": HORIZON_WORDS[h],
                    "repurchase rate": pct(rate),
                    "claimed": f"{claimed:.0%}",
                }
            )
            labels.setdefault(claimed, []).append(f"{words} {HORIZON_WORDS[h]}")
            outcomes.setdefault(claimed, []).append(check(rate, claimed * (1 - TOLERANCE)))
            entries.append((spec, measure, f"{words}, {h} days (claim {claimed:.0%})", claimed))
    verdict = all_of([over_settings(labels[part], outcomes[part]) for part in labels])
    figure = _repurchase_bars(
        results,
        setup,
        "p4_programmes.png",
        "P4: repurchase under points, membership and community",
        entries,
        None,
        None,
    )
    value = "; ".join(f"{r['programme']} {r['horizon']}: {r['repurchase rate']}" for r in rows)
    return Finding(
        value + ".",
        verdict,
        "Plan loyalty programmes on year-long horizons and on members, who re-buy most; a "
        "quarter's campaign will not show the 43-56% figures.",
        pd.DataFrame(rows),
        [figure],
        "The programmes' strength is the model's default (points x1.19, fact P7; membership x2, "
        "set from this claim, so that its members' reaching 56% is not independent evidence; "
        "community x1.28, fact P5); 'members' are the customers who joined. Points alone are the "
        "claim's mechanism: their rows are the test of the 56% as the source words it.",
    )


P4 = Claim(
    "P4",
    "Exchangeable points brought member repurchase to 56%; a private-domain pool for "
    "mother-and-baby products reached 43%.",
    "Ads campaign with each retention programme: points on every order for everyone, a "
    "membership that 30% of buyers join, a private community that 40% join; repurchase of "
    "everyone (points) or of members, within 90 days and over a year.",
    p4_specs,
    p4_analyse,
)

# ----- P5: private-domain users repurchase 28% more ----------------------------------------------
P5_LIFT = 1.28


def p5_specs(setup: Setup) -> list:
    """The community programme (shared with P4)."""
    return [s for s in p4_specs(setup) if "community" in s.name]


def p5_analyse(results: Results, setup: Setup) -> Finding:
    """Verdict on members re-buying about 1.28 times as often as other customers."""
    band = (P5_LIFT * (1 - TOLERANCE), P5_LIFT * (1 + TOLERANCE))
    rows, labels, outcomes, triples = [], [], [], []
    for h in HORIZONS:
        spec = f"p4-community-{h}"
        members = column(results, spec, "repurchase_members")
        others = column(results, spec, "repurchase_others")
        ratio = ratio_of_means(members, others)
        triples.append(ratio)
        rows.append(
            {
                "horizon": HORIZON_WORDS[h],
                "members": pct(members),
                "other customers": pct(others),
                "members / others": three(ratio, ".2f"),
            }
        )
        labels.append(HORIZON_WORDS[h])
        outcomes.append(judge_band(ratio[1], ratio[2], band))
    verdict = over_settings(labels, outcomes)
    figure = figures.bars(
        setup.out / "p5_community.png",
        "P5: community members' repurchase relative to others",
        [f"{h} days" for h in HORIZONS],
        triples,
        "members / others",
        reference=P5_LIFT,
        reference_label="claimed 1.28",
        band=band,
    )
    return Finding(
        f"Members re-buy {rows[0]['members / others']} times as often as other customers within "
        f"90 days and {rows[1]['members / others']} over a year.",
        verdict,
        "A private community is worth running for the repeat orders it keeps; its lift is "
        "modest, so weigh it against its running cost per member.",
        pd.DataFrame(rows),
        [figure],
        "Not an independent test: the model gives members a 1.28 times higher repurchase hazard "
        "(this very fact) and 20% less churn. The check is that these inputs produce about "
        "28% more repurchase, which is what a reader of the claim would measure; 'holds' is a "
        "ratio within 10% of 1.28.",
    )


P5 = Claim(
    "P5",
    "Users in the brand's private domain (its own community groups) repurchase 28% more than "
    "users reached on public platforms.",
    "Ads campaign with the private community (40% of buyers join): repurchase of members "
    "against other customers of the same runs, within 90 days and over a year.",
    p5_specs,
    p5_analyse,
)

CLAIMS = [P3, P4, P5]
