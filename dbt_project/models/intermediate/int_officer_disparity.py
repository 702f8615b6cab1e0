"""Officer × unit × year fine disparity with false-discovery control: zhifa.disparity.officer_disparity
(docs/metrics.md, "Officer disparity") over the residuals of int_fine_residuals; the mart
fct_officer_fine_consistency selects and types its columns. The settings are the cases' own
(disparity_practical_band, _interval_z, _fdr, _posterior_min, _min_officer_cases, _variance_prior_df)."""

from zhifa.disparity import officer_disparity

# only what officer_disparity reads crosses into pandas
COLUMNS = """
    lead_officer_id as officer_id, unit_code, year, r, tier_half_width, band, z, fdr, posterior_min,
    min_officer_cases as min_cases, prior_df
"""


def model(dbt, session):
    dbt.config(materialized="table")
    return officer_disparity(dbt.ref("int_fine_residuals").select(COLUMNS).df())
