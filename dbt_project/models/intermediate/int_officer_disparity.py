"""Officer × unit × year fine disparity with false-discovery control: zhifa.disparity.officer_disparity
(docs/metrics.md, "Officer disparity") over the residuals of int_fine_residuals; the mart
fct_officer_fine_consistency selects and types its columns. The settings are the cases' own
(disparity_practical_band, _interval_z, _fdr, _posterior_min, _min_officer_cases, _variance_prior_df)."""

from zhifa.disparity import officer_disparity


def model(dbt, session):
    dbt.config(materialized="table")
    cases = dbt.ref("int_fine_residuals").df()
    cases = cases.rename(columns={"lead_officer_id": "officer_id", "min_officer_cases": "min_cases"})
    keep = [
        "officer_id",
        "unit_code",
        "year",
        "r",
        "tier_half_width",
        "band",
        "z",
        "fdr",
        "posterior_min",
        "min_cases",
        "prior_df",
    ]
    return officer_disparity(cases[keep])
