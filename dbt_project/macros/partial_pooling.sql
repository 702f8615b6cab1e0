{#
  Empirical-Bayes partial pooling of per-group mean residuals (docs/metrics.md, "Fine disparity").
  `cases` is a relation/CTE with columns: the `keys`, `year`, `r` (residual), `band` (practical band) and
  `z` (interval multiplier). Per year: σ² = pooled within-group variance of r; τ² = method-of-moments
  between-group variance, floored at band² (sparse effects: see docs); shrinkage B = τ²/(τ² + σ²/n);
  effect = B·mean(r); interval = effect ± z·sqrt(B·σ²/n); flagged when the interval lies wholly outside
  [−band, +band].
#}
{% macro partial_pooling(cases, keys) %}
    with groups as (
        select {{ keys | join(', ') }}, year, count(*) as n_cases, avg(r) as raw_mean,
               sum(r * r) as sum_sq, max(band) as band, max(z) as z
        from {{ cases }}
        group by all
    ),
    year_stats as (
        select
            year,
            sum(n_cases) as n_total,
            count(*) as n_groups,
            sum(n_cases * raw_mean) / sum(n_cases) as grand_mean,
            sum(sum_sq - n_cases * raw_mean * raw_mean) / nullif(sum(n_cases) - count(*), 0) as sigma2,
            sum(n_cases * n_cases) as sum_n2
        from groups
        group by year
    ),
    hyper as (
        select
            y.year,
            y.sigma2,
            greatest(
                (sum(g.n_cases * (g.raw_mean - y.grand_mean) * (g.raw_mean - y.grand_mean))
                    - (y.n_groups - 1) * y.sigma2)
                / nullif(y.n_total - y.sum_n2 / y.n_total, 0),
                0) as tau2_moment
        from groups as g join year_stats as y on y.year = g.year
        group by y.year, y.sigma2, y.grand_mean, y.n_groups, y.n_total, y.sum_n2
    ),
    pooled as (
        select
            g.*,
            h.sigma2,
            h.tau2_moment,
            greatest(coalesce(h.tau2_moment, 0), g.band * g.band) as tau2
        from groups as g join hyper as h on h.year = g.year
    ),
    shrunk as (
        select
            *,
            tau2 / (tau2 + coalesce(sigma2, 0) / n_cases) as shrinkage
        from pooled
    ),
    estimated as (
        select
            *,
            shrinkage * raw_mean as effect,
            sqrt(shrinkage * coalesce(sigma2, 0) / n_cases) as effect_sd
        from shrunk
    ),
    flagged as (
        select
            *,
            effect - z * effect_sd as effect_low,
            effect + z * effect_sd as effect_high
        from estimated
    )
    select
        {{ keys | join(', ') }},
        cast(year as integer) as year,
        cast(n_cases as integer) as n_cases,
        round(raw_mean, 6) as raw_mean,
        round(effect, 6) as effect,
        round(effect_low, 6) as effect_low,
        round(effect_high, 6) as effect_high,
        effect_low > band or effect_high < -band as flagged,
        case when effect_low > band then 'high' when effect_high < -band then 'low' end as direction,
        round(shrinkage, 6) as shrinkage,
        sigma2,
        tau2_moment,
        tau2,
        band
    from flagged
{% endmacro %}
