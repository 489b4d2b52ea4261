"""Statistics for repeated, non-deterministic trials: pure functions, no evalkit imports.

Pass rates get Wilson intervals; mean scores are averaged per scenario first
and get clustered (cluster = scenario) or bootstrap intervals; two runs are
compared paired by scenario (exact McNemar, paired bootstrap). Judge trust:
judge-human agreement (kappa, AC1, Krippendorff's alpha, rank correlations),
clustered intervals for any of them, corrected pass rates (Rogan-Gladen,
PPI++) and the judge's share of score variance.
"""

from evalkit.stats.agreement import (
    BinaryAgreement,
    BinaryConfusion,
    ScaleAgreement,
    bias_and_mae,
    binary_agreement,
    cohen_kappa,
    confusion,
    gwet_ac1,
    quadratic_weighted_kappa,
    scale_agreement,
)
from evalkit.stats.cluster_bootstrap import BootstrapConfig, ClusterInterval, cluster_interval
from evalkit.stats.correction import (
    CorrectedRate,
    CorrectionConfig,
    Proportion,
    binomial_proportion,
    proportion_from_interval,
    rogan_gladen,
)
from evalkit.stats.distributions import (
    normal_cdf,
    normal_quantile,
    student_t_cdf,
    student_t_quantile,
    two_sided_t,
    two_sided_z,
)
from evalkit.stats.flakiness import FlakinessReport, flakiness, flaky_scenarios
from evalkit.stats.intervals import Bounded, GateDecision, Interval, gate_decision, wilson_interval
from evalkit.stats.kripp_alpha import krippendorff_alpha
from evalkit.stats.means import MeanEstimate, bootstrap_mean_ci, clustered_mean, pass_rate_estimate
from evalkit.stats.newcombe import Bounds, newcombe_diff
from evalkit.stats.paired import (
    DiffEstimate,
    McNemarResult,
    NonInferiority,
    mcnemar_exact,
    non_inferiority,
    paired_bootstrap_diff,
    paired_pass_fail_test,
    paired_test_can_reach,
    sign_flip_min_p_value,
    sign_flip_min_pairs,
    sign_flip_p_value,
)
from evalkit.stats.pass_k import SuitePassK, mean_pass_at_k, mean_pass_hat_k, pass_at_k, pass_hat_k
from evalkit.stats.power import Advice, minimum_detectable_effect, settle_advice, trials_needed
from evalkit.stats.ppi import PPIStratum, ppi_plus_plus
from evalkit.stats.rank_correlation import kendall_tau_b, spearman
from evalkit.stats.variance_share import VarianceShare, VarianceShareConfig, variance_share

__all__ = [
    "Advice",
    "BinaryAgreement",
    "BinaryConfusion",
    "BootstrapConfig",
    "Bounded",
    "Bounds",
    "ClusterInterval",
    "CorrectedRate",
    "CorrectionConfig",
    "DiffEstimate",
    "FlakinessReport",
    "GateDecision",
    "Interval",
    "McNemarResult",
    "MeanEstimate",
    "NonInferiority",
    "PPIStratum",
    "Proportion",
    "ScaleAgreement",
    "SuitePassK",
    "VarianceShare",
    "VarianceShareConfig",
    "bias_and_mae",
    "binary_agreement",
    "binomial_proportion",
    "bootstrap_mean_ci",
    "cluster_interval",
    "clustered_mean",
    "cohen_kappa",
    "confusion",
    "flakiness",
    "flaky_scenarios",
    "gate_decision",
    "gwet_ac1",
    "kendall_tau_b",
    "krippendorff_alpha",
    "mcnemar_exact",
    "mean_pass_at_k",
    "mean_pass_hat_k",
    "minimum_detectable_effect",
    "newcombe_diff",
    "non_inferiority",
    "normal_cdf",
    "normal_quantile",
    "paired_bootstrap_diff",
    "paired_pass_fail_test",
    "paired_test_can_reach",
    "pass_at_k",
    "pass_hat_k",
    "pass_rate_estimate",
    "ppi_plus_plus",
    "proportion_from_interval",
    "quadratic_weighted_kappa",
    "rogan_gladen",
    "scale_agreement",
    "settle_advice",
    "sign_flip_min_p_value",
    "sign_flip_min_pairs",
    "sign_flip_p_value",
    "spearman",
    "student_t_cdf",
    "student_t_quantile",
    "trials_needed",
    "two_sided_t",
    "two_sided_z",
    "variance_share",
    "wilson_interval",
]
