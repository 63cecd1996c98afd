import Runtime

extension BuiltinRegistry {
  /// The open-set SSL baselines of the RS-SSL comparison: OpenMatch and IOMatch (docs/algorithms.md).
  static func registerOpenSet(_ r: BuiltinRegistry) {
    let c = "ssl"
    r.addAlgorithm({ OpenMatch() }, category: c,
          doc: "OpenMatch: one-vs-all heads reject outliers; FixMatch trains on the samples they accept as inliers.",
          help: """
            Adds a one-vs-all head "ova". Loss: OVA loss on labeled data (positive + hardest negative), lambda_em x \
            open-set entropy and lambda_socr x soft open-set consistency between the weak and strong views, and from \
            start_fix on (nil: 10/512 of the run) lambda_fix x FixMatch (confidence >= tau) on the samples whose \
            outlier probability for their predicted class is below inlier_threshold. The outlier score is reported \
            as a synthetic detector (det_* columns). See docs/algorithms.md for sources and deviations.
            """,
          example: "algo = openmatch(lambda_socr: 1)")
    r.addAlgorithm({ IOMatch() }, category: c,
          doc: "IOMatch: closed-set pseudo-labels for confident inliers plus (K+1)-way open-set targets that use outliers as a class.",
          help: """
            Adds heads "proj" (MLP to proj_dim), "mb" (multi-binary classifier) and "open" ((K+1)-way). Outlier score \
            s = sum_k p_k o_k; inliers (s < inlier_threshold) with max p >= tau_p get the soft target p on the strong \
            view (lambda_u); every sample with max q >= tau_q gets the (K+1)-way target q = (p_k (1 - o_k), s) on the \
            open head (lambda_op, off for open_warmup_steps, nil: 1/256 of the run); lambda_mb weighs the labeled \
            multi-binary loss. dist_align aligns p to uniform with a queue of da_len batches. See docs/algorithms.md.
            """,
          example: "algo = iomatch(tau_p: 0.9)")
  }
}
